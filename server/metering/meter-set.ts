/**
 * The gateway reports once; the node's operational metrics hear everything, and each delivery meter (usage
 * metering) hears the deliveries too.
 */
import type { ErrorCode } from '../../shared/index.js';
import type { AdmissionRefusal, BudgetName, DeliveryMeter, GatewayMeter, ImagesOfFrame } from './meters.js';

/**
 * @example
 * new Gateway({ …, meter: new MeterSet(prometheusMetrics, [usageMeter]) });
 */
export class MeterSet implements GatewayMeter {
  constructor(
    private readonly operational: GatewayMeter,
    private readonly deliveries: readonly DeliveryMeter[] = [],
  ) {}

  delivered(tenantId: string, events: number, bytes: number, images: ImagesOfFrame, frames = 1): void {
    this.operational.delivered(tenantId, events, bytes, images, frames);
    for (const meter of this.deliveries) meter.delivered(tenantId, events, bytes, images, frames);
  }

  /** Presence is pub/sub traffic: usage counts each frame as one message (docs/protocol.md#presence). */
  presenceDelivered(tenantId: string, bytes: number, urlId: string): void {
    this.operational.presenceDelivered(tenantId, bytes, urlId);
    for (const meter of this.deliveries) meter.delivered(tenantId, 1, bytes, [urlId]);
  }

  connectionOpened(current: number): void {
    this.operational.connectionOpened(current);
  }

  connectionClosed(current: number): void {
    this.operational.connectionClosed(current);
  }

  connectionRefused(reason: AdmissionRefusal): void {
    this.operational.connectionRefused(reason);
  }

  slowClientClosed(): void {
    this.operational.slowClientClosed();
  }

  busReceived(): void {
    this.operational.busReceived();
  }

  error(code: ErrorCode): void {
    this.operational.error(code);
  }

  writeAcked(seconds: number): void {
    this.operational.writeAcked(seconds);
  }

  budgetRefused(budget: BudgetName): void {
    this.operational.budgetRefused(budget);
  }

  readsInFlightChanged(current: number): void {
    this.operational.readsInFlightChanged(current);
  }
}
