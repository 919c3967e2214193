/**
 * One client's WebSocket on this node: parses and validates each frame, applies the per-connection rate
 * limits, and dispatches it to the part that handles it (subscriptions, writes, the tenant admin role).
 * Handlers are flat guard clauses; every error names its code and the connection lives on, except for abuse.
 */
import type WebSocket from 'ws';
import {
  CLOSE_CODES, isWriteMessage, parseClientFrame, type ClientMessage, type ErrorCode, type ErrorMessage,
} from '../../shared/index.js';
import { Outbox, type OutboxHooks } from './outbox.js';
import { TokenBucket } from './token-bucket.js';
import { rawSocketOf, releaseEmptyReceiveList, sendPing } from './ws-frame.js';
import type { BudgetRefusal } from './budgets.js';
import { connLabel, type ConnectionContext, type ConnectionReplies, type ErrorScope } from './connection-context.js';
import { ConnectionSubscriptions } from './subscriptions.js';
import { ConnectionWrites } from './writes.js';
import { TenantAdminRole } from './tenant-admin.js';
import { ConnectionIdentities } from './identities.js';
import { presencePersonOf } from './presence-person.js';
import { ANONYMOUS, type PresencePerson } from '../presence/image-presence.js';
import type { Tenant } from '../store/types.js';
import type { DeliveryMeter } from '../metering/meters.js';

const CONNECTION = Symbol('image-chat connection');
const processSeconds = (): number => Math.round(performance.now() / 1000);
type TaggedSocket = WebSocket & { [CONNECTION]: ClientConnection };

const connectionOf = (socket: WebSocket): ClientConnection => (socket as TaggedSocket)[CONNECTION];

function onMessage(this: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
  connectionOf(this).receiveGuarded(data, isBinary);
  releaseEmptyReceiveList(this);
}
/** A pong, like any frame received, leaves ws's list of received chunks empty: its storage is given back. */
function onPong(this: WebSocket): void {
  releaseEmptyReceiveList(this);
}
function onClose(this: WebSocket, code: number): void {
  connectionOf(this).socketClosed(code);
}
function onError(this: WebSocket, error: Error): void {
  connectionOf(this).socketError(error);
}

/**
 * @example
 * const connection = new ClientConnection(ws, context);   // listens to the socket from here on
 * connection.heartbeat();                                  // every SERVER_PING_INTERVAL_MS (its gateway slice)
 */
export class ClientConnection implements ConnectionReplies, OutboxHooks {
  /**
   * Bytes the socket had read when it was last pinged (-1: not yet pinged). A pong, like any frame, moves the
   * count; a socket whose count has not moved by the next heartbeat is dead. (The 'pong' listener only tidies.)
   */
  private readAtPing = -1;
  readonly outbox: Outbox;
  private readonly subscriptions: ConnectionSubscriptions;
  private readonly frames: TokenBucket;
  // Made on first use: most connections only subscribe and read, and an idle one should hold little (issue 14).
  #identities: ConnectionIdentities | undefined;
  #admin: TenantAdminRole | undefined;
  #writes: ConnectionWrites | undefined;
  #writeRate: TokenBucket | undefined;
  private refusedInARow = 0;
  private isClosed = false;
  /** Why this server closed the socket, for the log line of the close; null when the client closed it. */
  private closing: { code: number; reason: string } | null = null;
  /** Seconds since the process started (a small integer, where `Date.now()` would be a boxed number per connection). */
  private readonly openedAt = processSeconds();

  constructor(
    private readonly socket: WebSocket,
    private readonly context: ConnectionContext,
  ) {
    const { limits, meter } = context;
    this.frames = new TokenBucket(limits.FRAME_RATE_PER_SECOND, limits.FRAME_BURST);
    // The connection is its outbox's hooks, and its socket's listeners are functions shared by every connection
    // (they find it on the socket): no closures per connection, which an idle one would hold for nothing.
    this.outbox = new Outbox(socket, limits, this);
    this.subscriptions = new ConnectionSubscriptions(context, this);
    (socket as TaggedSocket)[CONNECTION] = this;
    socket.on('message', onMessage);
    socket.on('pong', onPong);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  /** Outbox hook: where frames of image events sent are metered. */
  get meter(): DeliveryMeter {
    return this.context.meter;
  }

  /** Outbox hook: a presence frame went out (metered as pub/sub traffic). */
  presenceDelivered(tenantId: string, bytes: number, urlId: string): void {
    this.context.meter.presenceDelivered(tenantId, bytes, urlId);
  }

  /** Outbox hook: the unsent buffer passed its cap. */
  overflow(): void {
    const { meter, log, connId } = this.context;
    meter.slowClientClosed();
    log.info({ conn: connLabel(connId), bufferedBytes: this.socket.bufferedAmount }, 'slow consumer: closing');
    this.close(CLOSE_CODES.TRY_AGAIN_LATER, 'slow consumer: too much unsent data');
  }

  /** The socket closed, whoever closed it. */
  socketClosed(code: number): void {
    this.cleanup();
    const { log, connId } = this.context;
    // The close reason is logged only when it is this server's: a client's could hold any text.
    const by = this.closing ? { by: 'server', reason: this.closing.reason } : { by: 'client' };
    log.info({ conn: connLabel(connId), code, ...by, seconds: processSeconds() - this.openedAt }, 'connection closed');
    this.context.released(this);
  }

  socketError(error: Error): void {
    // Oversized frames: ws closes with 1009 itself; other protocol errors with 1002.
    this.context.log.debug({ conn: connLabel(this.context.connId), err: error }, 'socket error');
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** The connection's id (log lines show it with `connLabel`). */
  get connId(): number {
    return this.context.connId;
  }

  /** The client's address key (admission and budgets count by it). */
  get address(): string {
    return this.context.address;
  }

  private get identities(): ConnectionIdentities {
    return (this.#identities ??= new ConnectionIdentities(this.context, this));
  }

  private get admin(): TenantAdminRole {
    return (this.#admin ??= new TenantAdminRole(this.context, this));
  }

  private get writes(): ConnectionWrites {
    // A connection that never subscribed to a tenant feed moderates nothing: its admin role is not made for the question.
    return (this.#writes ??= new ConnectionWrites(this.context, this, { isModerator: async (tenantId) => (this.#admin ? this.#admin.isModerator(tenantId) : false) }));
  }

  private get writeRate(): TokenBucket {
    const { limits } = this.context;
    return (this.#writeRate ??= new TokenBucket(limits.WRITE_RATE_PER_SECOND, limits.WRITE_BURST));
  }

  /** Called every ping interval: a socket that read nothing since the previous ping (no pong, no frame) is dead. */
  heartbeat(): void {
    const raw = rawSocketOf(this.socket);
    // No socket under ws (closing, or a ws that no longer exposes it): nothing to count; its close ends it.
    if (!raw) return;
    const read = raw.bytesRead;
    if (read === this.readAtPing) {
      this.closing = { code: 1006, reason: 'no answer to ping' };
      this.socket.terminate();
      this.cleanup();
      return;
    }
    this.readAtPing = read;
    sendPing(this.socket);
  }

  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.closing = { code, reason };
    // Errors queued this turn (e.g. the rate-limited answer) go out before the close frame.
    this.outbox.flush();
    this.socket.close(code, reason);
    this.cleanup();
    // A peer that never completes the closing handshake is cut off.
    setTimeout(() => this.socket.terminate(), this.context.limits.CLOSE_GRACE_MS).unref();
  }

  /** The tenant's rules changed: if this connection said hello to it, it is welcomed again with them. */
  tenantChanged(tenant: Tenant): void {
    // Only a connection that said hello has identities to welcome again.
    if (this.isClosed || !this.#identities) return;
    this.#identities.rulesChanged(tenant);
    // Simple SSO turned off makes guests of simple-SSO people: presence shows them so.
    this.subscriptions.identityChanged(tenant.id);
  }

  /** Who this connection is for presence: no identity at all until it said hello or wrote. */
  presencePerson(tenantId: string): PresencePerson {
    return this.#identities ? presencePersonOf(this.#identities.of(tenantId)) : ANONYMOUS;
  }

  error(code: ErrorCode, message: string, scope: ErrorScope = {}): void {
    this.context.meter.error(code);
    // What was refused and where, never the text: the message may quote nothing of the client's, but ids are enough.
    const { log } = this.context;
    if (log.isLevelEnabled('debug')) log.debug({ conn: connLabel(this.context.connId), code, for: scope.for?.slice(0, 40), tenantId: scope.tenantId, urlId: scope.urlId?.slice(0, 200), broadcastId: scope.broadcastId }, 'refused');
    const frame: ErrorMessage = { type: 'error', code, message, ...scope };
    this.outbox.send(frame);
  }

  /** `rate-limited` by a budget: names the budget and says when to try again. */
  overBudget(refusal: BudgetRefusal, scope: ErrorScope, countAsRefused: boolean): void {
    this.context.meter.budgetRefused(refusal.budget);
    const extra = { ...scope, retryAfterMs: refusal.retryAfterMs };
    if (countAsRefused) this.refuse('rate-limited', refusal.message, extra);
    else this.error('rate-limited', refusal.message, extra);
  }

  private cleanup(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.subscriptions.removeAll();
    this.#admin?.removeAll();
  }

  /** Counts refused frames; a connection that keeps sending after being refused is a flood. */
  private refuse(code: ErrorCode, message: string, scope: ErrorScope = {}): void {
    this.refusedInARow += 1;
    this.error(code, message, scope);
    if (this.refusedInARow >= this.context.limits.FLOOD_CLOSE_AFTER) {
      this.context.log.info({ conn: connLabel(this.context.connId), refused: this.refusedInARow }, 'flood: closing');
      this.close(CLOSE_CODES.POLICY_VIOLATION, 'flooding');
    }
  }

  /**
   * The connection's error boundary: a frame whose handling throws (a bug) is answered `internal` and logged;
   * the connection and the process live on. Asynchronous failures are caught in `receive`.
   */
  receiveGuarded(data: WebSocket.RawData, isBinary: boolean): void {
    try {
      this.receive(data, isBinary);
    } catch (error) {
      this.context.handlerFailed({ err: error });
      this.error('internal', 'unexpected error while handling this frame');
    }
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.isClosed) return;
    if (!this.frames.take()) return this.refuse('rate-limited', 'too many frames; slow down');
    if (isBinary) return this.refuse('bad-request', 'frames must be JSON text');
    const parsed = parseClientFrame(data.toString(), this.context.limits);
    if (!parsed.ok) return this.refuse(parsed.code, parsed.error, { broadcastId: parsed.broadcastId, for: parsed.for });
    const message = parsed.message;
    if (message.type === 'hello' && message.tenantId !== undefined) {
      const refusal = this.context.budgets.chargeTenantHello(this.context);
      if (refusal) return this.overBudget(refusal, { for: 'hello', tenantId: message.tenantId }, true);
    }
    if (isWriteMessage(message)) {
      const scope = { broadcastId: message.broadcastId, for: message.type };
      if (!this.writeRate.take()) return this.refuse('rate-limited', 'too many writes; slow down', scope);
      const refusal = this.context.budgets.chargeWrite(this.context, message, this.identities.of(message.tenantId).author.id);
      if (refusal) return this.overBudget(refusal, scope, true);
    }
    this.refusedInARow = 0;
    let handled: Promise<void> | void;
    try {
      handled = this.dispatch(message);
    } catch (error) {
      // Failing at once or later is the same failure to the client: `unavailable`, naming what failed.
      return this.failed(error, message);
    }
    if (handled) handled.catch((error: unknown) => this.failed(error, message));
  }

  /** Never throws: it is the last handler of a rejection, and one nobody handles would end the process. */
  failed(error: unknown, message: ClientMessage): void {
    try {
      this.context.handlerFailed({ err: error, type: message.type });
      const broadcastId = isWriteMessage(message) ? message.broadcastId : undefined;
      // Name the image (or the tenant of an admin feed) too, so the client knows which subscription to retry.
      const image = message.type === 'subscribe' || message.type === 'unsubscribe' ? { tenantId: message.tenantId, urlId: message.urlId }
        : message.type === 'subscribe-tenant' || (message.type === 'hello' && message.tenantId) ? { tenantId: message.tenantId } : {};
      this.error('unavailable', 'the service could not complete this; try again', { broadcastId, for: message.type, ...image });
    } catch {
      // Neither the log nor the socket took it: there is no one left to tell.
    }
  }

  /**
   * Hands a frame to the part that handles it; what completes later is a promise (its failure is answered by
   * `failed`). Subscribes make none: they wait in their connection's line, which answers its own failures.
   */
  private dispatch(message: ClientMessage): Promise<void> | void {
    switch (message.type) {
      case 'ping':
        return this.outbox.send({ type: 'pong' });
      case 'hello':
        return this.identities.hello(message).then(() => this.subscriptions.identityChanged(message.tenantId));
      case 'subscribe':
        return this.subscriptions.subscribe(message);
      case 'unsubscribe':
        return this.subscriptions.unsubscribe(message);
      case 'subscribe-tenant':
        return this.admin.subscribeTenant(message);
      case 'typing':
        // After the hellos before it, so the typer is who they said they are.
        if (this.#identities) return this.#identities.settled().then(() => this.subscriptions.typing(message));
        return this.subscriptions.typing(message);
      default:
        return this.writes.write(message, this.identities);
    }
  }
}
