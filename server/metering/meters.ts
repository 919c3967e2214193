/**
 * What the gateway reports as it works, as small interfaces: usage metering needs only deliveries, /metrics
 * hears everything. Implementations must be cheap: `delivered` runs for every frame of events sent.
 */
import type { ErrorCode } from '../../shared/index.js';

/** Why admission refused a new WebSocket (closed at once with 1008 or 1013). */
export type AdmissionRefusal = 'address-connections' | 'address-rate' | 'node-full';

/** The budgets held across connections; a refusal names the one that was spent. */
export type BudgetName =
  | 'person-writes' | 'person-bytes' | 'address-writes' | 'address-bytes' | 'tenant-writes' | 'tenant-bytes'
  | 'connection-reads' | 'address-reads' | 'address-hellos';

/** The images of a frame's events: one id when every event is of that image (nearly always), else one per event. */
export type ImagesOfFrame = string | readonly string[];

/** Frames of image events sent to subscribers: what tenants are billed for. */
export interface DeliveryMeter {
  /**
   * `frames` frames (one, unless summed over a turn's sends of one image) holding `events` events for `tenantId`
   * were sent, `bytes` long in all, of `images`.
   */
  delivered(tenantId: string, events: number, bytes: number, images: ImagesOfFrame, frames?: number): void;
}

/** Frames of presence sent to subscribers: billed as pub/sub traffic like events, reported apart on /metrics. */
export interface PresenceMeter {
  /** A `presence` frame of `urlId`, `bytes` long, was sent to a subscriber of `tenantId`. */
  presenceDelivered(tenantId: string, bytes: number, urlId: string): void;
}

/** Connections opening, closing and being refused. */
export interface ConnectionMeter {
  connectionOpened(current: number): void;
  connectionClosed(current: number): void;
  /** A new socket was refused by admission (connection caps and rates), and closed with its close code. */
  connectionRefused(reason: AdmissionRefusal): void;
  /** A socket's unsent buffer passed the cap; it was closed. */
  slowClientClosed(): void;
}

/** The traffic of frames: what arrives from the bus, what is refused, how fast writes are acknowledged. */
export interface TrafficMeter {
  /** An image event arrived from the bus for local subscribers. */
  busReceived(): void;
  /** An error frame with `code` was sent. */
  error(code: ErrorCode): void;
  /** A write was acknowledged `seconds` after its frame arrived. */
  writeAcked(seconds: number): void;
  /** A write or subscribe was refused by a budget held across connections. */
  budgetRefused(budget: BudgetName): void;
  /** Subscribe reads in flight on the node changed to `current` (at most MAX_CONCURRENT_READS_PER_IP per address). */
  readsInFlightChanged(current: number): void;
}

/** Everything the gateway reports. */
export type GatewayMeter = DeliveryMeter & PresenceMeter & ConnectionMeter & TrafficMeter;
