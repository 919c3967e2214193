/** Several gateway meters as one: the gateway reports once, usage metering and /metrics both hear it. */
import type { ErrorCode } from '../../shared/index.js';
import type { GatewayMeter } from '../gateway/meter.js';
import type { AdmissionRefusal } from '../gateway/admission.js';
import type { BudgetRefusal } from '../gateway/budgets.js';

/**
 * @example
 * new Gateway({ …, meter: new MeterSet([countingMeter, usageMeter, prometheusMetrics]) });
 */
export class MeterSet implements GatewayMeter {
  constructor(private readonly meters: readonly GatewayMeter[]) {}

  connectionOpened(current: number): void {
    for (const meter of this.meters) meter.connectionOpened(current);
  }

  connectionClosed(current: number): void {
    for (const meter of this.meters) meter.connectionClosed(current);
  }

  delivered(tenantId: string, events: number, bytes: number, urlIds: readonly string[]): void {
    for (const meter of this.meters) meter.delivered(tenantId, events, bytes, urlIds);
  }

  busReceived(): void {
    for (const meter of this.meters) meter.busReceived();
  }

  slowClientClosed(): void {
    for (const meter of this.meters) meter.slowClientClosed();
  }

  error(code: ErrorCode): void {
    for (const meter of this.meters) meter.error(code);
  }

  writeAcked(seconds: number): void {
    for (const meter of this.meters) meter.writeAcked?.(seconds);
  }

  connectionRefused(reason: AdmissionRefusal): void {
    for (const meter of this.meters) meter.connectionRefused?.(reason);
  }

  budgetRefused(budget: BudgetRefusal['budget']): void {
    for (const meter of this.meters) meter.budgetRefused?.(budget);
  }

  readsInFlightChanged(current: number): void {
    for (const meter of this.meters) meter.readsInFlightChanged?.(current);
  }
}
