/**
 * Identical reads asked for together share one trip to the store, and never one that started before they asked
 * (so an answer is never older than the question: the topic hub's no-gap guarantee rests on that).
 */
import { expect, test } from 'vitest';
import { ReadBatches } from '../../server/core/read-batches.js';

/** A store whose reads finish when the test says: each read answers the version of the data when it started. */
function slowStore() {
  let version = 0;
  const started: { version: number; finish(): void }[] = [];
  return {
    write: () => { version += 1; },
    read: () => new Promise<number>((resolve) => {
      const at = version;
      started.push({ version: at, finish: () => resolve(at) });
    }),
    started,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('callers who ask while a read runs share the next read, which starts after they asked', async () => {
  const batches = new ReadBatches<number>();
  const store = slowStore();
  const first = batches.read('a', store.read);
  store.write(); // version 1: the running read cannot see it
  const crowd = Array.from({ length: 100 }, () => batches.read('a', store.read));
  expect(store.started).toHaveLength(1);
  store.started[0]!.finish();
  expect(await first).toBe(0);
  await settle();
  expect(store.started).toHaveLength(2); // one more read for all 100
  store.started[1]!.finish();
  expect(await Promise.all(crowd)).toEqual(Array(100).fill(1));
  await settle();
  expect(batches.size).toBe(0);
});

test('reads of different ids do not share', async () => {
  const batches = new ReadBatches<number>();
  const store = slowStore();
  const reads = [batches.read('a', store.read), batches.read('b', store.read)];
  expect(store.started).toHaveLength(2);
  for (const read of store.started) read.finish();
  expect(await Promise.all(reads)).toEqual([0, 0]);
});

test('a failed read fails its callers only; the callers waiting for the next one still get theirs', async () => {
  const batches = new ReadBatches<number>();
  let calls = 0;
  let failFirst!: (error: Error) => void;
  const read = () => {
    calls += 1;
    return calls === 1 ? new Promise<number>((_, reject) => { failFirst = reject; }) : Promise.resolve(calls);
  };
  const first = batches.read('a', read);
  const second = batches.read('a', read);
  failFirst(new Error('disk gone'));
  await expect(first).rejects.toThrow('disk gone');
  expect(await second).toBe(2);
  await settle();
  expect(batches.size).toBe(0);
});

test('a read function that throws at once rejects its callers and leaves nothing running', async () => {
  const batches = new ReadBatches<number>();
  await expect(batches.read('a', () => { throw new Error('closed'); })).rejects.toThrow('closed');
  await settle();
  expect(batches.size).toBe(0);
  expect(await batches.read('a', () => Promise.resolve(7))).toBe(7);
});
