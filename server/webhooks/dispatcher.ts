/**
 * Sends the outbox's deliveries from this node (docs/webhooks.md#delivery). It leases due deliveries from the
 * store (each is leased by one node at a time), signs and sends them, and records each attempt: delivered,
 * tried again later (retry-schedule.ts), or given up, which also turns the endpoint off. It looks for due
 * deliveries every `pollMs`, at once when this node stores a write (`nudge`), and after each attempt (the next
 * event of that image may now go).
 */
import type { Logger } from 'pino';
import type { Store } from '../store/types.js';
import type { ClaimedDelivery, DeliveryResult } from '../store/webhook-types.js';
import { DELIVERY_KEEP_MS } from '../store/webhook-outbox.js';
import type { SecretBox } from '../auth/secret-box.js';
import { signatureHeaders } from './signature.js';
import { sendDelivery, type SendOutcome } from './sender.js';
import { isRetryable, isSuccess, retryDelay } from './retry-schedule.js';
import type { WebhookSettings } from './settings.js';

interface DispatcherOptions {
  store: Store;
  box: SecretBox;
  nodeId: string;
  settings: WebhookSettings;
  log: Logger;
  onAttempt?: (outcome: 'delivered' | 'retry' | 'failed') => void;
}

/** Response text kept with a failed attempt, for the dashboard. */
const ERROR_TEXT_LENGTH = 300;
const PRUNE_INTERVAL_MS = 3600_000;

export class WebhookDispatcher {
  private readonly sending = new Set<Promise<void>>();
  /** Deliveries this node is sending now, by tenant: claims keep each tenant within its share. */
  private readonly inFlight = new Map<string, number>();
  private pumping = false;
  private again = false;
  private closed = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DispatcherOptions) {}

  start(): void {
    const { pollMs } = this.options.settings;
    this.pollTimer = setInterval(() => this.nudge(), pollMs);
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    this.pollTimer.unref();
    this.pruneTimer.unref();
    this.nudge();
    void this.prune();
  }

  /** Looks for due deliveries now (a write was stored, an attempt finished). */
  nudge(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.pump().finally(() => { this.pumping = false; });
  }

  /** Stops leasing and waits for the attempts under way (each ends within the request timeout). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pollTimer);
    clearInterval(this.pruneTimer);
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  private async pump(): Promise<void> {
    const { store, nodeId, settings, log } = this.options;
    do {
      this.again = false;
      const room = settings.concurrency - this.sending.size;
      if (room <= 0) return;
      let claimed: ClaimedDelivery[];
      try {
        claimed = await store.claimWebhookDeliveries({
          nodeId, now: Date.now(), leaseMs: settings.leaseMs, limit: room, perTenant: settings.perTenant, inFlight: Object.fromEntries(this.inFlight),
        });
      } catch (error) {
        // The store is down: the deliveries wait in it, and the next poll tries again.
        log.warn({ err: error }, 'webhook deliveries could not be leased');
        return;
      }
      for (const delivery of claimed) {
        this.inFlight.set(delivery.tenantId, (this.inFlight.get(delivery.tenantId) ?? 0) + 1);
        this.track(this.deliver(delivery).finally(() => this.settled(delivery.tenantId)));
      }
      if (claimed.length === room) this.again = true;
    } while (this.again && !this.closed);
  }

  private settled(tenantId: string): void {
    const left = (this.inFlight.get(tenantId) ?? 1) - 1;
    if (left > 0) this.inFlight.set(tenantId, left);
    else this.inFlight.delete(tenantId);
  }

  private track(task: Promise<void>): void {
    this.sending.add(task);
    void task.finally(() => {
      this.sending.delete(task);
      this.nudge();
    });
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const { settings, log } = this.options;
    const now = Date.now();
    const secrets = this.openSecrets(delivery, now);
    const outcome: SendOutcome = secrets.length === 0
      ? { status: null, error: 'the signing secret cannot be opened: was SECRETS_KEY changed?' }
      : await sendDelivery(delivery.url, delivery.payload, {
        ...signatureHeaders(secrets, delivery.payload, now),
        'x-imagechat-event': delivery.type,
        'x-imagechat-event-id': delivery.eventId,
        'x-imagechat-delivery': delivery.id,
      }, { timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivateAddresses, maxResponseBytes: settings.maxResponseBytes });
    const result = this.resultOf(delivery, outcome);
    this.options.onAttempt?.(result.state === 'pending' ? 'retry' : result.state);
    try {
      await this.options.store.finishWebhookDelivery(result);
    } catch (error) {
      // Not recorded: the lease runs out and the delivery is sent again (at least once, same event id).
      log.warn({ err: error, delivery: delivery.id }, 'webhook attempt could not be recorded; it will be sent again');
    }
  }

  private openSecrets(delivery: ClaimedDelivery, now: number): string[] {
    const { current, previous, previousUntil } = delivery.secrets;
    const sealed = previous !== null && previousUntil > now ? [current, previous] : [current];
    return sealed.flatMap((value) => {
      const opened = this.options.box.open(value);
      return opened === null ? [] : [opened];
    });
  }

  private resultOf(delivery: ClaimedDelivery, outcome: SendOutcome): DeliveryResult {
    const now = Date.now();
    const base = { id: delivery.id, nodeId: this.options.nodeId, now, status: outcome.status, nextAttemptAt: now, disableEndpoint: null };
    if (outcome.status !== null && isSuccess(outcome.status)) return { ...base, state: 'delivered', error: null };
    const error = (outcome.status === null ? outcome.error : `HTTP ${outcome.status}${outcome.body ? `: ${outcome.body}` : ''}`).slice(0, ERROR_TEXT_LENGTH);
    if (!isRetryable(outcome.status)) return { ...base, state: 'failed', error };
    const delay = retryDelay(this.options.settings.retryDelaysMs, delivery.attempts + 1, Math.random());
    if (delay !== null) return { ...base, state: 'pending', error, nextAttemptAt: now + delay };
    return { ...base, state: 'failed', error, disableEndpoint: `turned off after ${delivery.attempts + 1} failed attempts; the last: ${error}` };
  }

  private async prune(): Promise<void> {
    try {
      await this.options.store.pruneWebhookDeliveries(Date.now() - DELIVERY_KEEP_MS);
    } catch (error) {
      this.options.log.warn({ err: error }, 'old webhook deliveries could not be pruned');
    }
  }
}
