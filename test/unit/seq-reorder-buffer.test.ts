import { describe, expect, test } from 'vitest';
import { SeqReorderBuffer } from '../../shared/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function buffer(gapWaitMs = 20) {
  const gaps: number[] = [];
  const order = new SeqReorderBuffer<string>({ gapWaitMs, onGap: () => gaps.push(order.last ?? -1) });
  return { order, gaps };
}

describe('seq reorder buffer', () => {
  test('holds everything until it knows where it stands, then hands out the run after that, in order', () => {
    const { order } = buffer();
    expect(order.offer(4, 'd')).toEqual([]);
    expect(order.offer(3, 'c')).toEqual([]);
    expect(order.last).toBeNull();
    expect(order.moveTo(2)).toEqual(['c', 'd']);
    expect(order.last).toBe(4);
    expect(order.behind).toBe(false);
  });

  test('an early run waits for the missing seq; duplicates and seqs already handed out are dropped', () => {
    const { order } = buffer();
    order.moveTo(0);
    expect(order.offer(2, 'b')).toEqual([]);
    expect(order.offer(3, 'c')).toEqual([]);
    expect(order.offer(2, 'b again')).toEqual([]);
    expect(order.behind).toBe(true);
    expect(order.gap()).toEqual({ after: 0, upTo: 3 });
    expect(order.offer(1, 'a')).toEqual(['a', 'b', 'c']);
    expect(order.offer(2, 'late duplicate')).toEqual([]);
    expect(order.gap()).toBeNull();
  });

  test('a gap that lasts gapWaitMs calls onGap once; one that fills in time does not', async () => {
    const { order, gaps } = buffer(20);
    order.moveTo(5);
    order.offer(7, 'g');
    await wait(60);
    expect(gaps).toEqual([5]);
    order.offer(8, 'h');
    order.offer(6, 'f');
    await wait(60);
    expect(gaps).toEqual([5]);
  });

  test('a seq known to exist that never arrives is a gap up to it; forgetAbove takes that back', async () => {
    const { order, gaps } = buffer(20);
    order.moveTo(3);
    order.learn(5);
    expect(order.gap()).toEqual({ after: 3, upTo: 5 });
    order.forgetAbove(3);
    expect(order.behind).toBe(false);
    await wait(60);
    expect(gaps).toEqual([]);
  });

  test('moveTo backwards (a new epoch) starts over from there, keeping only what lies beyond it', () => {
    const { order } = buffer();
    order.moveTo(10);
    order.offer(12, 'l');
    expect(order.moveTo(2)).toEqual([]);
    expect(order.last).toBe(2);
    expect(order.offer(3, 'c')).toEqual(['c']);
  });

  test('any arrival order with duplicates hands out 1..n exactly once, in order (seeded)', () => {
    for (let seed = 1; seed <= 20; seed += 1) {
      const random = seededRandom(seed);
      const { order } = buffer(1_000_000);
      order.moveTo(0);
      const arrivals = Array.from({ length: 60 }, (_, i) => i + 1).flatMap((seq) => (random() < 0.2 ? [seq, seq] : [seq]));
      for (let i = arrivals.length - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [arrivals[i], arrivals[j]] = [arrivals[j]!, arrivals[i]!];
      }
      const out = arrivals.flatMap((seq) => order.offer(seq, `e${seq}`));
      expect(out, `seed ${seed}`).toEqual(Array.from({ length: 60 }, (_, i) => `e${i + 1}`));
      order.pause();
    }
  });
});
