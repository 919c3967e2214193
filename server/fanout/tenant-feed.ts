/**
 * The tenant-wide admin subscription behind the dashboard's live moderation feed.
 *
 * Every stored write is published twice on the bus: to its image's topic (for widgets) and to its tenant's
 * feed topic. Only nodes with an admin subscriber of the tenant subscribe to that feed topic, so the extra
 * messages cost nothing where nobody watches. A feed topic (`feed:<tenantId>`) holds no space, so it can
 * never be mistaken for an image topic (`<tenantId> <urlId>`).
 *
 * The bus message is the finished `tenant-event` frame, serialized once by the node that stored the write;
 * receiving nodes send those bytes on untouched. The feed is live only: it has no replay (a dashboard that
 * reconnects reads the image itself if it needs history).
 *
 * Secrets are checked again every REVALIDATE_MS: after `rotate-secret`, subscribers holding the old secret are
 * dropped and told so, so a leaked secret stops reading the feed soon after it is rotated.
 */
import { eventToWire, type ImageEvent } from '../../shared/index.js';
import type { Bus } from '../bus/types.js';
import type { Store } from '../store/types.js';
import { secretMatches } from '../auth/tenant-secret.js';

const FEED_PREFIX = 'feed:';
/** How often admin subscribers' secrets are checked again: one store read per tenant and secret in use. */
const REVALIDATE_MS = 10_000;

/** The bus topic of a tenant's admin feed. */
const feedTopic = (tenantId: string): string => `${FEED_PREFIX}${tenantId}`;

/** The tenant whose feed `topic` is, or null for an image topic. */
export const tenantOfFeedTopic = (topic: string): string | null =>
  topic.startsWith(FEED_PREFIX) ? topic.slice(FEED_PREFIX.length) : null;

/** One admin connection, as the feed sees it. */
export interface FeedSubscriber {
  /** Sends an already serialized `tenant-event` frame. */
  deliver(frame: string): void;
  /** The secret it subscribed with is no longer the tenant's; it has been removed from the feed. */
  revoked(tenantId: string): void;
}

interface TenantFeedOptions {
  bus: Bus;
  store: Store;
  onError(error: unknown): void;
  /** Called for every feed frame sent to an admin connection (for /metrics). */
  onDelivered?(): void;
}

/**
 * @example
 * const feed = new TenantFeed({ bus, store, onError });
 * service.observe(feed);                 // publishes every stored write to its tenant's feed topic
 * if (await feed.authorize(id, secret)) await feed.add(id, { deliver: (frame) => socket.send(frame), revoked: () => socket.close() }, secret);
 */
export class TenantFeed {
  /** tenant → subscriber → the secret it subscribed with */
  private readonly tenants = new Map<string, Map<FeedSubscriber, string>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: TenantFeedOptions) {
    this.timer = setInterval(() => { this.revalidate().catch(options.onError); }, REVALIDATE_MS);
    this.timer.unref();
  }

  /** Admin subscribers on this node, over all tenants. */
  get subscriberCount(): number {
    let count = 0;
    for (const subscribers of this.tenants.values()) count += subscribers.size;
    return count;
  }

  /** True only for the tenant's own current API secret. Unknown tenants look the same as wrong secrets. */
  async authorize(tenantId: string, secret: string | undefined): Promise<boolean> {
    if (!secret) return false;
    const hash = await this.options.store.getTenantSecretHash(tenantId);
    return hash !== null && secretMatches(secret, hash);
  }

  /** Adds an admin subscriber (authorized with `secret`); resolves once the feed topic is subscribed on the bus. */
  async add(tenantId: string, subscriber: FeedSubscriber, secret: string): Promise<void> {
    const existing = this.tenants.get(tenantId);
    if (existing) {
      existing.set(subscriber, secret);
      return;
    }
    this.tenants.set(tenantId, new Map([[subscriber, secret]]));
    await this.options.bus.subscribe(feedTopic(tenantId));
  }

  remove(tenantId: string, subscriber: FeedSubscriber): void {
    const subscribers = this.tenants.get(tenantId);
    if (!subscribers || !subscribers.delete(subscriber) || subscribers.size > 0) return;
    this.tenants.delete(tenantId);
    this.options.bus.unsubscribe(feedTopic(tenantId)).catch(this.options.onError);
  }

  /** Write observer (`service.observe(feed)`): publishes the stored event to its tenant's feed topic. */
  written(event: ImageEvent): void {
    const frame = `{"type":"tenant-event","tenantId":${JSON.stringify(event.tenantId)},"event":${JSON.stringify(eventToWire(event))}}`;
    this.options.bus.publish(feedTopic(event.tenantId), frame).catch(this.options.onError);
  }

  /** A `tenant-event` frame arrived from the bus on the tenant's feed topic: sends it to its admin subscribers. */
  frameArrived(tenantId: string, frame: string): void {
    const subscribers = this.tenants.get(tenantId);
    if (!subscribers) return;
    for (const subscriber of subscribers.keys()) {
      subscriber.deliver(frame);
      this.options.onDelivered?.();
    }
  }

  /** Drops (and tells) every subscriber whose secret is no longer its tenant's. */
  async revalidate(): Promise<void> {
    for (const [tenantId, subscribers] of [...this.tenants]) {
      const verdicts = new Map<string, boolean>();
      for (const secret of new Set(subscribers.values())) verdicts.set(secret, await this.authorize(tenantId, secret));
      for (const [subscriber, secret] of [...subscribers]) {
        if (verdicts.get(secret) !== false || subscribers.get(subscriber) !== secret) continue;
        this.remove(tenantId, subscriber);
        subscriber.revoked(tenantId);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.tenants.clear();
  }
}
