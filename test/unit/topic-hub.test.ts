import { describe, expect, test } from 'vitest';
import type { ImageEvent, ImageKey } from '../../shared/index.js';
import { HOLDING, TopicHub, type Subscriber } from '../../server/fanout/topic-hub.js';

const key: ImageKey = { tenantId: 't', urlId: 'img' };
const topic = 't img';
const event = (seq: number): ImageEvent => ({ type: 'deleted-image-chat', broadcastId: `b${seq}`, tenantId: 't', urlId: 'img', chatId: `c${seq}`, seq });
const frame = (seq: number) => Buffer.from(JSON.stringify(event(seq)));

function subscriber(): Subscriber & { got: number[]; resyncs: number } {
  const s = {
    key, floor: HOLDING, held: null as { seq: number; frame: Buffer }[] | null, got: [] as number[], resyncs: 0,
    deliver(_frame: Buffer, seq: number) { s.got.push(seq); },
    resync() { s.resyncs += 1; },
  };
  return s;
}

/** A store log holding seqs from `oldest` to `newest`. */
function hub(oldest: number, newest: number, gapWaitMs = 20) {
  const fetched: [number, number][] = [];
  const h = new TopicHub({
    gapWaitMs,
    fetchEvents: async (_key, after, upTo) => {
      fetched.push([after, upTo]);
      if (after + 1 < oldest) return null;
      const events: ImageEvent[] = [];
      for (let seq = after + 1; seq <= Math.min(upTo, newest); seq += 1) events.push(event(seq));
      return events;
    },
    onTopicOpened: async () => {},
    onTopicClosed: async () => {},
    onError: (error) => { throw error; },
  });
  return { h, fetched };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('topic hub ordering', () => {
  test('early events wait for the missing one and go out in seq order, each once', async () => {
    const { h } = hub(1, 100);
    const s = subscriber();
    await h.add(topic, s);
    h.goLive(topic, s, 3);
    h.eventArrived(topic, 5, frame(5));
    h.eventArrived(topic, 6, frame(6));
    expect(s.got).toEqual([]);
    h.eventArrived(topic, 4, frame(4));
    h.eventArrived(topic, 5, frame(5)); // a duplicate
    expect(s.got).toEqual([4, 5, 6]);
  });

  test('events that arrive while the snapshot is read are held, then only those after it are sent', async () => {
    const { h } = hub(1, 100);
    const s = subscriber();
    await h.add(topic, s);
    h.eventArrived(topic, 7, frame(7));
    h.eventArrived(topic, 8, frame(8));
    expect(s.got).toEqual([]);
    h.goLive(topic, s, 7); // the snapshot already holds 7
    expect(s.got).toEqual([8]);
  });

  test('a gap that does not fill is read from the store', async () => {
    const { h, fetched } = hub(1, 100);
    const s = subscriber();
    await h.add(topic, s);
    h.goLive(topic, s, 2);
    h.eventArrived(topic, 5, frame(5));
    await wait(80);
    expect(fetched).toEqual([[2, 5]]);
    expect(s.got).toEqual([3, 4, 5]);
  });

  test('a seq stored on this node (a write observer) but never published is fetched', async () => {
    const { h } = hub(1, 100);
    const s = subscriber();
    await h.add(topic, s);
    h.goLive(topic, s, 2);
    h.written(event(3));
    await wait(80);
    expect(s.got).toEqual([3]);
  });

  test('a gap the log no longer holds makes every subscriber resync', async () => {
    const { h } = hub(50, 100);
    const a = subscriber();
    const b = subscriber();
    await h.add(topic, a);
    await h.add(topic, b);
    h.goLive(topic, a, 2);
    h.goLive(topic, b, 2);
    h.eventArrived(topic, 60, frame(60));
    await wait(80);
    expect([a.resyncs, b.resyncs]).toEqual([1, 1]);
    h.eventArrived(topic, 61, frame(61));
    expect(a.got).toEqual([61]);
  });

  test('a later subscriber with a newer snapshot skips what it already has', async () => {
    const { h } = hub(1, 100);
    const first = subscriber();
    const late = subscriber();
    await h.add(topic, first);
    h.goLive(topic, first, 1);
    await h.add(topic, late);
    h.goLive(topic, late, 3); // its snapshot holds 2 and 3, which are still in flight
    h.eventArrived(topic, 2, frame(2));
    h.eventArrived(topic, 3, frame(3));
    h.eventArrived(topic, 4, frame(4));
    expect(first.got).toEqual([2, 3, 4]);
    expect(late.got).toEqual([4]);
  });

  test('the last subscriber leaving closes the topic', async () => {
    const closed: string[] = [];
    const h = new TopicHub({ gapWaitMs: 10, fetchEvents: async () => [], onTopicOpened: async () => {}, onTopicClosed: async (t) => { closed.push(t); }, onError: () => {} });
    const a = subscriber();
    const b = subscriber();
    await h.add(topic, a);
    await h.add(topic, b);
    h.remove(topic, a);
    expect(closed).toEqual([]);
    h.remove(topic, b);
    expect(closed).toEqual([topic]);
    expect(h.topicCount).toBe(0);
  });
});

test('the seq probe finds an event that was stored but never published', async () => {
  let head = 4;
  const h = new TopicHub({
    gapWaitMs: 10,
    fetchEvents: async (_key, after, upTo) => Array.from({ length: upTo - after }, (_, i) => event(after + 1 + i)),
    onTopicOpened: async () => {},
    onTopicClosed: async () => {},
    onError: (error) => { throw error; },
    probeSeq: async () => head,
    probeIntervalMs: 20,
  });
  const s = subscriber();
  await h.add(topic, s);
  h.goLive(topic, s, 4);
  head = 5; // another node stored seq 5 and died before publishing it
  await wait(150);
  expect(s.got).toEqual([5]);
  h.close();
});

test('a subscriber whose snapshot is older than what another one started the topic at is told to resync', async () => {
  const { h } = hub(1, 100);
  const slow = subscriber();
  const fast = subscriber();
  await h.add(topic, slow);
  await h.add(topic, fast);
  h.eventArrived(topic, 11, frame(11));
  h.eventArrived(topic, 12, frame(12));
  h.goLive(topic, fast, 12); // its read finished first and saw up to 12
  h.eventArrived(topic, 13, frame(13));
  h.goLive(topic, slow, 10); // its read saw only up to 10: 11 and 12 went by before it was live
  expect(fast.got).toEqual([13]);
  expect(slow.resyncs).toBe(1);
  expect([fast.resyncs]).toEqual([0]);
});

test('a second subscriber waits until the topic is subscribed on the bus before it may read its snapshot', async () => {
  let finishOpening = () => {};
  const h = new TopicHub({
    gapWaitMs: 10, fetchEvents: async () => [], onTopicClosed: async () => {}, onError: () => {},
    onTopicOpened: () => new Promise<void>((resolve) => { finishOpening = resolve; }),
  });
  const order: string[] = [];
  const first = h.add(topic, subscriber())!.then(() => order.push('first'));
  const second = h.add(topic, subscriber())!.then(() => order.push('second'));
  await wait(20);
  expect(order).toEqual([]);
  finishOpening();
  await Promise.all([first, second]);
  expect(order.sort()).toEqual(['first', 'second']);
  // Once it is subscribed, a newcomer has nothing to wait for.
  expect(h.add(topic, subscriber())).toBeUndefined();
});

describe('topic hub gap that the log no longer holds', () => {
  test('events that arrive while the gap is being read are still delivered, in order, after the resync', async () => {
    let answer: (events: ImageEvent[] | null) => void = () => {};
    const fetches: [number, number][] = [];
    const h = new TopicHub({
      gapWaitMs: 20,
      fetchEvents: (_key, after, upTo) => {
        fetches.push([after, upTo]);
        return new Promise((resolve) => { answer = resolve; });
      },
      onTopicOpened: async () => {},
      onTopicClosed: async () => {},
      onError: (error) => { throw error; },
    });
    const s = subscriber();
    await h.add(topic, s);
    h.goLive(topic, s, 4);
    h.eventArrived(topic, 6, frame(6));
    await wait(60);
    expect(fetches).toEqual([[4, 6]]);
    // 7 arrives while the read of 5..6 is under way; the log no longer has them.
    h.eventArrived(topic, 7, frame(7));
    answer(null);
    await wait(10);
    h.eventArrived(topic, 8, frame(8));
    expect(s.resyncs).toBe(1);
    expect(s.got).toEqual([7, 8]);
    h.close();
  });
});
