import { expect, test } from 'vitest';
import { Gate, GateBusyError } from '../../server/store/gate.js';

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
};

test('at most `concurrency` tasks run; the rest start in order as slots free; failures free their slot', async () => {
  const gate = new Gate({ concurrency: 2, maxWaiting: 10, maxWaitMs: 10_000 });
  const started: number[] = [];
  const blockers = [deferred(), deferred(), deferred(), deferred()];
  const results = blockers.map((blocker, index) => gate.run(async () => {
    started.push(index);
    await blocker.promise;
    if (index === 0) throw new Error('first failed');
    return index;
  }));
  await Promise.resolve();
  expect(started).toEqual([0, 1]);
  expect(gate.queued).toBe(2);
  blockers[0]!.resolve();
  await expect(results[0]).rejects.toThrow('first failed');
  expect(started).toEqual([0, 1, 2]);
  blockers.forEach((b) => b.resolve());
  expect(await Promise.all(results.slice(1))).toEqual([1, 2, 3]);
  expect(started).toEqual([0, 1, 2, 3]);
});

test('a full queue refuses at once, and a task that waits too long is refused', async () => {
  const gate = new Gate({ concurrency: 1, maxWaiting: 1, maxWaitMs: 50 });
  const blocker = deferred();
  const running = gate.run(() => blocker.promise);
  const waiting = gate.run(async () => 'never');
  await expect(gate.run(async () => 'refused')).rejects.toBeInstanceOf(GateBusyError);
  await expect(waiting).rejects.toThrow(/waited 50 ms/);
  expect(gate.queued).toBe(0);
  blocker.resolve();
  await running;
  expect(await gate.run(async () => 'free again')).toBe('free again');
});
