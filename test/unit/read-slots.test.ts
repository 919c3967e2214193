import { expect, test } from 'vitest';
import { ReadSlots } from '../../server/gateway/read-slots.js';

test('at most `perAddress` slots per address; the rest wait in arrival order; other addresses are not held up', async () => {
  const changes: number[] = [];
  const slots = new ReadSlots(2, (inFlight) => changes.push(inFlight));
  const first = await slots.acquire('a');
  const second = await slots.acquire('a');
  const order: string[] = [];
  const third = slots.acquire('a').then((release) => { order.push('third'); return release; });
  const fourth = slots.acquire('a').then((release) => { order.push('fourth'); return release; });
  const other = await slots.acquire('b');
  await Promise.resolve();
  expect(order).toEqual([]);
  expect(slots.inFlight).toBe(3);

  first();
  first(); // a second call gives nothing back twice
  const thirdRelease = await third;
  expect(order).toEqual(['third']);
  expect(slots.inFlight).toBe(3);
  second();
  const fourthRelease = await fourth;
  expect(order).toEqual(['third', 'fourth']);

  for (const release of [thirdRelease, fourthRelease, other]) release();
  expect(slots.inFlight).toBe(0);
  expect(changes.at(-1)).toBe(0);
  expect(Math.max(...changes)).toBe(3);
  // Idle addresses leave nothing behind.
  expect(slots.trackedAddresses).toBe(0);
});
