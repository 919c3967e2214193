import { expect, test } from 'vitest';
import { KeyedBatcher } from '../../server/store/write-batcher.js';

test('items added while a batch runs form the next batch, in order; keys are independent; a failed batch fails only its items', async () => {
  const batches: string[][] = [];
  let release: () => void = () => {};
  const batcher = new KeyedBatcher<string, string>(3, async (key, items) => {
    batches.push([key, ...items]);
    if (items[0] === 'a1') await new Promise<void>((resolve) => { release = resolve; });
    if (items.includes('bad')) throw new Error('batch failed');
    return items.map((item) => item.toUpperCase());
  });
  const first = batcher.add('a', 'a1');
  const queued = ['a2', 'a3', 'a4', 'a5'].map((item) => batcher.add('a', item));
  const other = batcher.add('b', 'b1');
  expect(await other).toBe('B1');
  release();
  expect(await first).toBe('A1');
  expect(await Promise.all(queued)).toEqual(['A2', 'A3', 'A4', 'A5']);
  expect(batches).toEqual([['a', 'a1'], ['b', 'b1'], ['a', 'a2', 'a3', 'a4'], ['a', 'a5']]);
  await expect(batcher.add('c', 'bad')).rejects.toThrow('batch failed');
  expect(await batcher.add('c', 'ok')).toBe('OK');
});

test('gatherOneTurn: items added in one turn of the event loop form one batch; idle() waits for every answer', async () => {
  const batches: string[][] = [];
  const batcher = new KeyedBatcher<string, string>(Infinity, (_key, items) => {
    batches.push(items);
    return items.map((item) => item.toUpperCase());
  }, { gatherOneTurn: true });
  const first = ['a', 'b', 'c'].map((item) => batcher.add('all', item));
  await batcher.idle();
  expect(await Promise.all(first)).toEqual(['A', 'B', 'C']);
  const second = batcher.add('all', 'd');
  const third = batcher.add('all', 'e');
  expect([await second, await third]).toEqual(['D', 'E']);
  expect(batches).toEqual([['a', 'b', 'c'], ['d', 'e']]);
});
