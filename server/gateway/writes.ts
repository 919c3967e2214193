/**
 * One connection's writes: authorized one after another in arrival order, committed through the core, and
 * acknowledged once durable. The event itself reaches this connection like every other subscriber's, from
 * the bus through the topic hub.
 */
import { imageTopic, type Author, type WriteMessage } from '../../shared/index.js';
import type { ConnectionContext, ConnectionReplies } from './connection-context.js';
import type { TenantAdminRole } from './tenant-admin.js';
import type { ConnectionSubscriptions } from './subscriptions.js';

export class ConnectionWrites {
  /** The tail of this connection's write authorizations, which run in arrival order. */
  private authorizeOrder: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: ConnectionContext,
    private readonly replies: ConnectionReplies,
    private readonly subscriptions: ConnectionSubscriptions,
    private readonly admin: TenantAdminRole,
  ) {}

  /**
   * Writes are authorized one after another, in the order they arrived, and each is handed to the store as
   * soon as it is authorized; so a connection's writes are stored in the order it sent them even when one
   * authorization has to wait for the store (a tenant cache miss). The stores keep their call order.
   */
  write(message: WriteMessage, author: Author): Promise<void> {
    const arrived = performance.now();
    const authorized = this.authorizeOrder.then(() => this.authorize(message));
    this.authorizeOrder = authorized.then(() => undefined, () => undefined);
    // Tracked from arrival, so a graceful shutdown also waits for writes still being authorized.
    return this.context.service.track(authorized.then((moderator) => (moderator === null ? undefined : this.commit(message, author, moderator, arrived))));
  }

  /** Null when refused (the error is sent); else whether the writer acts as the tenant's moderator. */
  private async authorize(message: WriteMessage): Promise<boolean | null> {
    const scope = { broadcastId: message.broadcastId, for: message.type };
    const moderator = await this.admin.isModerator(message.tenantId);
    if (!moderator && !this.subscriptions.has(imageTopic(message))) {
      const { service, origin, address } = this.context;
      const access = await service.access(message.tenantId, origin, address);
      if (!access.ok) {
        this.replies.error(access.code, access.message, scope);
        return null;
      }
    }
    // Not counted toward flooding: the tenant's budget may have been spent by others.
    const refusal = this.context.budgets.chargeTenant(message);
    if (refusal) {
      this.replies.overBudget(refusal, scope, false);
      return null;
    }
    return moderator;
  }

  /** Stores the write through the core and acknowledges it once durable; a refusal is answered as an error. */
  private async commit(message: WriteMessage, author: Author, moderator: boolean, arrived: number): Promise<void> {
    const outcome = await this.context.service.commit(message, { ...author, moderator });
    if (!outcome.ok) return this.replies.error(outcome.code, outcome.message, { broadcastId: message.broadcastId, for: message.type });
    this.replies.outbox.send({ type: 'ack', broadcastId: message.broadcastId, seq: outcome.event.seq });
    this.context.meter.writeAcked((performance.now() - arrived) / 1000);
  }
}
