/** A flush's single-event frames, summed per run of one image and meter: every frame counted, in its own image. */
import { expect, test } from 'vitest';
import { DeliveryTally } from '../../server/gateway/delivery-tally.js';
import type { DeliveryMeter } from '../../server/metering/meters.js';

function recordingMeter() {
  const calls: [string, number, number, unknown, number | undefined][] = [];
  const meter: DeliveryMeter = { delivered: (tenantId, events, bytes, images, frames) => { calls.push([tenantId, events, bytes, images, frames]); } };
  return { meter, calls };
}

test('frames of one image in a row are one call; another image or meter settles the run before it', () => {
  const tally = new DeliveryTally();
  const first = recordingMeter();
  const second = recordingMeter();
  for (let i = 0; i < 1000; i += 1) tally.add(first.meter, 'acme', 'a.png', 480);
  tally.add(first.meter, 'acme', 'b.png', 300);
  tally.add(second.meter, 'acme', 'b.png', 300);
  expect(first.calls).toEqual([['acme', 1000, 480_000, 'a.png', 1000], ['acme', 1, 300, 'b.png', 1]]);
  expect(second.calls).toEqual([]);
  tally.settle();
  expect(second.calls).toEqual([['acme', 1, 300, 'b.png', 1]]);
});

test('settling twice, or with nothing summed, meters nothing more', () => {
  const tally = new DeliveryTally();
  const { meter, calls } = recordingMeter();
  tally.settle();
  tally.add(meter, 'acme', 'a.png', 10);
  tally.add(meter, 'other', 'a.png', 10);
  tally.settle();
  tally.settle();
  expect(calls).toEqual([['acme', 1, 10, 'a.png', 1], ['other', 1, 10, 'a.png', 1]]);
});
