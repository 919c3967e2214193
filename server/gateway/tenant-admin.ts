/**
 * A connection's tenant admin role: `subscribe-tenant` with the tenant's API secret opens the tenant's live
 * feed and makes the connection the tenant's moderator (it may act on any marker). A rotated secret ends both.
 */
import type { SubscribeTenantMessage } from '../../shared/index.js';
import type { FeedSubscriber } from '../fanout/tenant-feed.js';
import type { ConnectionContext, ConnectionReplies } from './connection-context.js';

export class TenantAdminRole {
  /** Tenants this connection is the admin of, with the secret that opened each. */
  private readonly secrets = new Map<string, string>();
  private readonly feedSubscriber: FeedSubscriber;

  constructor(
    private readonly context: ConnectionContext,
    private readonly replies: ConnectionReplies,
  ) {
    this.feedSubscriber = {
      deliver: (frame) => replies.outbox.queueFeedFrame(frame),
      revoked: (tenantId) => {
        this.secrets.delete(tenantId);
        replies.error('forbidden', 'the tenant\'s API secret changed; subscribe again with the new one', { for: 'subscribe-tenant', tenantId });
      },
    };
  }

  /** The tenant-wide admin feed: only the tenant's own secret opens it. */
  async subscribeTenant(message: SubscribeTenantMessage): Promise<void> {
    const feed = this.context.tenantFeed;
    const scope = { for: 'subscribe-tenant', tenantId: message.tenantId };
    if (!feed || !message.secret || !(await feed.authorize(message.tenantId, message.secret))) {
      return this.replies.error('forbidden', 'only the tenant\'s API secret opens its admin feed', scope);
    }
    if (this.replies.closed) return;
    this.secrets.set(message.tenantId, message.secret);
    await feed.add(message.tenantId, this.feedSubscriber, message.secret);
    this.replies.outbox.send({ type: 'subscribed', role: 'admin', tenantId: message.tenantId });
  }

  /** Admin of the tenant, with a secret that is still the tenant's (a rotated secret ends it, feed included). */
  async isModerator(tenantId: string): Promise<boolean> {
    const secret = this.secrets.get(tenantId);
    const feed = this.context.tenantFeed;
    if (secret === undefined || !feed) return false;
    if (await feed.authorize(tenantId, secret)) return true;
    this.secrets.delete(tenantId);
    feed.remove(tenantId, this.feedSubscriber);
    return false;
  }

  /** The socket closed: leaves every tenant feed. */
  removeAll(): void {
    for (const tenantId of this.secrets.keys()) this.context.tenantFeed?.remove(tenantId, this.feedSubscriber);
    this.secrets.clear();
  }
}
