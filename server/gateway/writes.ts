/**
 * One connection's writes: authorized one after another in arrival order, committed through the core, and
 * acknowledged once durable. The event itself reaches this connection like every other subscriber's, from
 * the bus through the topic hub.
 */
import type { WriteMessage } from '../../shared/index.js';
import type { Actor } from '../core/plan.js';
import type { ConnectionContext, ConnectionReplies } from './connection-context.js';
import type { TenantAdminRole } from './tenant-admin.js';
import type { ConnectionIdentities, Identity } from './identities.js';

/** What an error answering a write names: the write (its broadcastId and type) and its image. */
const writeScope = (message: WriteMessage) => ({ broadcastId: message.broadcastId, for: message.type, tenantId: message.tenantId, urlId: message.urlId });

export class ConnectionWrites {
  /** The tail of this connection's write authorizations, which run in arrival order. */
  private authorizeOrder: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: ConnectionContext,
    private readonly replies: ConnectionReplies,
    private readonly admin: Pick<TenantAdminRole, 'isModerator'>,
  ) {}

  /**
   * Writes are authorized one after another, in the order they arrived, and each is handed to the store as
   * soon as it is authorized; so a connection's writes are stored in the order it sent them even when one
   * authorization has to wait for the store (a tenant cache miss). The stores keep their call order.
   */
  write(message: WriteMessage, identities: ConnectionIdentities): Promise<void> {
    const arrived = performance.now();
    // Who writes is known once the hellos sent before this write have taken effect (a name, a sign-in).
    const hellosBefore = identities.settled();
    const authorized = this.authorizeOrder.then(() => hellosBefore).then(() => this.authorize(message, identities.of(message.tenantId)));
    this.authorizeOrder = authorized.then(() => undefined, () => undefined);
    // Tracked from arrival, so a graceful shutdown also waits for writes still being authorized.
    return this.context.service.track(authorized.then((actor) => (actor === null ? undefined : this.commit(message, actor, arrived))));
  }

  /**
   * Null when refused (the error is sent); else who acts: the person, as the tenant's moderator if they are
   * one (its API secret on this connection, or an SSO admin or moderator), within the tenant's rules.
   */
  private async authorize(message: WriteMessage, identity: Identity): Promise<Actor | null> {
    const scope = writeScope(message);
    const admin = await this.admin.isModerator(message.tenantId);
    const { service, origin, address } = this.context;
    const requester = { author: identity.author, kind: identity.kind, moderator: admin || identity.moderator, admin };
    const authorization = await service.authorizeWrite(message, requester, origin, address);
    if (!authorization.ok) {
      this.replies.error(authorization.code, authorization.message, scope);
      return null;
    }
    // Charged only once authorized (not counted toward flooding: the tenant's budget may have been spent by others).
    const refusal = this.context.budgets.chargeTenant(message);
    if (refusal) {
      this.replies.overBudget(refusal, scope, false);
      return null;
    }
    return authorization.actor;
  }

  /** Stores the write through the core and acknowledges it once durable; a refusal is answered as an error. */
  private async commit(message: WriteMessage, actor: Actor, arrived: number): Promise<void> {
    const outcome = await this.context.service.commit(message, actor);
    if (!outcome.ok) return this.replies.error(outcome.code, outcome.message, writeScope(message));
    this.replies.outbox.send({ type: 'ack', broadcastId: message.broadcastId, seq: outcome.event.seq });
    this.context.meter.writeAcked((performance.now() - arrived) / 1000);
  }
}
