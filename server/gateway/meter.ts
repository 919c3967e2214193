/**
 * What the gateway reports as it works: the hooks usage metering and /metrics are built on.
 * Implementations must be cheap: `delivered` runs for every frame sent.
 */
import type { ErrorCode } from '../../shared/index.js';
import type { AdmissionRefusal } from './admission.js';
import type { BudgetRefusal } from './budgets.js';

export interface GatewayMeter {
  connectionOpened(current: number): void;
  connectionClosed(current: number): void;
  /** A frame of `events` events for `tenantId` was sent, `bytes` long; `urlIds` names each event's image. */
  delivered(tenantId: string, events: number, bytes: number, urlIds: readonly string[]): void;
  /** A write was acknowledged `seconds` after its frame arrived. */
  writeAcked?(seconds: number): void;
  busReceived(): void;
  slowClientClosed(): void;
  error(code: ErrorCode): void;
  /** A new socket was refused by admission (connection caps and rates), and closed with its close code. */
  connectionRefused?(reason: AdmissionRefusal): void;
  /** A write or subscribe was refused by a budget held across connections. */
  budgetRefused?(budget: BudgetRefusal['budget']): void;
  /** Subscribe reads in flight on the node changed to `current` (at most MAX_CONCURRENT_READS_PER_IP per address). */
  readsInFlightChanged?(current: number): void;
}

/** Plain counters, enough for tests and /healthz details. */
export class CountingMeter implements GatewayMeter {
  connections = 0;
  peakConnections = 0;
  eventsOut = 0;
  bytesOut = 0;
  busIn = 0;
  slowClients = 0;
  readsInFlight = 0;
  peakReadsInFlight = 0;
  readonly errors = new Map<ErrorCode, number>();
  readonly refusedConnections = new Map<AdmissionRefusal, number>();
  readonly budgetRefusals = new Map<BudgetRefusal['budget'], number>();

  connectionOpened(current: number): void {
    this.connections = current;
    if (current > this.peakConnections) this.peakConnections = current;
  }

  connectionClosed(current: number): void {
    this.connections = current;
  }

  delivered(_tenantId: string, events: number, bytes: number): void {
    this.eventsOut += events;
    this.bytesOut += bytes;
  }

  busReceived(): void {
    this.busIn += 1;
  }

  slowClientClosed(): void {
    this.slowClients += 1;
  }

  error(code: ErrorCode): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  connectionRefused(reason: AdmissionRefusal): void {
    this.refusedConnections.set(reason, (this.refusedConnections.get(reason) ?? 0) + 1);
  }

  budgetRefused(budget: BudgetRefusal['budget']): void {
    this.budgetRefusals.set(budget, (this.budgetRefusals.get(budget) ?? 0) + 1);
  }

  readsInFlightChanged(current: number): void {
    this.readsInFlight = current;
    if (current > this.peakReadsInFlight) this.peakReadsInFlight = current;
  }
}
