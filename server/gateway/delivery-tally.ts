/**
 * Single-event frames sent in one flush, summed before they reach the meters: an event sent to 1,000 subscribers
 * is metered in one call (1,000 frames, 1,000 messages and their bytes) instead of 1,000 (issue 14: CPU per
 * delivery). Exact: every frame is counted, within the turn it was sent; consecutive sends of one image to one
 * meter are summed, anything else settles what was summed first.
 *
 * @example
 * tally.add(meter, tenantId, urlId, frame.length);   // per frame sent
 * tally.settle();                                    // at the end of the flush
 */
import type { DeliveryMeter } from '../metering/meters.js';

export class DeliveryTally {
  private meter: DeliveryMeter | null = null;
  private tenantId = '';
  private urlId = '';
  private frames = 0;
  private bytes = 0;

  /** One single-event frame of `bytes` bytes, of `urlId` of `tenantId`, went out. */
  add(meter: DeliveryMeter, tenantId: string, urlId: string, bytes: number): void {
    if (meter !== this.meter || tenantId !== this.tenantId || urlId !== this.urlId) {
      this.settle();
      this.meter = meter;
      this.tenantId = tenantId;
      this.urlId = urlId;
    }
    this.frames += 1;
    this.bytes += bytes;
  }

  /** Hands what was summed to its meter. */
  settle(): void {
    const { meter, frames } = this;
    if (!meter || frames === 0) return;
    this.meter = null;
    this.frames = 0;
    const bytes = this.bytes;
    this.bytes = 0;
    meter.delivered(this.tenantId, frames, bytes, this.urlId, frames);
  }
}
