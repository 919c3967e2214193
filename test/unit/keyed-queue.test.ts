import { expect, test } from 'vitest';
import { KeyedQueue } from '../../server/store/keyed-queue.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('tasks of one key run one at a time in order; other keys run alongside; a failure does not block the queue', async () => {
  const queue = new KeyedQueue();
  const log: string[] = [];
  const task = (name: string, fail = false) => async () => {
    log.push(`${name} start`);
    await tick();
    log.push(`${name} end`);
    if (fail) throw new Error(name);
    return name;
  };
  const a1 = queue.run('a', task('a1', true));
  const a2 = queue.run('a', task('a2'));
  const b1 = queue.run('b', task('b1'));
  await expect(a1).rejects.toThrow('a1');
  expect(await a2).toBe('a2');
  expect(await b1).toBe('b1');
  expect(log.indexOf('a1 end')).toBeLessThan(log.indexOf('a2 start'));
  expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
  await tick();
  expect(queue.size).toBe(0);
});
