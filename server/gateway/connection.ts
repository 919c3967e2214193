/**
 * One client's WebSocket: parses and validates each frame, applies the rate limits, and answers. Handlers
 * are flat guard clauses; every error names its code and the connection lives on, except for abuse.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type WebSocket from 'ws';
import type { Logger } from 'pino';
import {
  CLOSE_CODES, imageTopic, isWriteMessage, parseClientFrame,
  type Author, type ClientMessage, type ErrorCode, type ErrorMessage, type HelloMessage, type ImageKey, type Limits,
  type SubscribeMessage, type SubscribeTenantMessage, type UnsubscribeMessage, type WriteMessage,
} from '../../shared/index.js';
import type { ChatService } from '../core/service.js';
import { newUserId, type SessionSigner } from '../auth/session.js';
import { Outbox, type OutboxHooks } from './outbox.js';
import { TokenBucket } from './token-bucket.js';
import type { Subscriber, TopicHub } from './topic-hub.js';
import type { AdminFeed, AdminSubscriber } from './admin-feed.js';
import type { TenantPresence } from '../usage/presence.js';
import type { BudgetRefusal, ConnectionBudgets } from './budgets.js';
import { subscribedAnswer } from './subscribed-answer.js';

export interface ConnectionContext {
  service: ChatService;
  hub: TopicHub;
  signer: SessionSigner;
  limits: Limits;
  log: Logger;
  outboxHooks: OutboxHooks;
  onError(code: ErrorCode): void;
  onWriteAcked?(seconds: number): void;
  /** A request was refused by one of the budgets held across connections. */
  onBudgetRefused?(budget: BudgetRefusal['budget']): void;
  /** Logs a failed handler (throttled node-wide, so a stranger cannot flood the log). */
  handlerFailed?(fields: Record<string, unknown>): void;
  /** The client's address (an `addressKey`): its share of tenant lookups. */
  address?: string;
  /** This connection's share of the node's budgets (its person, address and tenant). */
  budgets: ConnectionBudgets;
  adminFeed?: AdminFeed;
  presence?: TenantPresence;
}

/** What an error frame carries besides its code and message. */
type ErrorScope = Omit<ErrorMessage, 'type' | 'code' | 'message'>;

const GUEST_NAME = 'Guest';

/** How often a subscribe waiting for its connection's buffer to drain looks again: short next to a snapshot's send. */
const DRAIN_POLL_MS = 15;

export class Connection {
  /** False after a ping went unanswered; the next heartbeat terminates the socket. */
  alive = true;
  private user: Author = { id: newUserId(), name: GUEST_NAME };
  private readonly subscriptions = new Map<string, Subscriber>();
  private readonly outbox: Outbox;
  private readonly frames: TokenBucket;
  private readonly writes: TokenBucket;
  private refusedInARow = 0;
  private closed = false;
  /** Per image, the tail of this connection's subscribes and unsubscribes, which run in arrival order. */
  private readonly topicOrder = new Map<string, Promise<void>>();
  /** The tail of this connection's subscribe reads, which run one at a time in arrival order. */
  private readOrder: Promise<void> = Promise.resolve();
  /** Subscribes received and not yet answered (waiting or being read). */
  private subscribesPending = 0;
  /** The tail of this connection's write authorizations, which run in arrival order. */
  private writeOrder: Promise<void> = Promise.resolve();
  /** Tenants this connection is the admin (moderator) of, via `subscribe-tenant`, with the secret that opened it. */
  private readonly adminOf = new Map<string, string>();
  private readonly admin: AdminSubscriber = {
    deliver: (frame) => this.outbox.sendFrame(frame),
    revoked: (tenantId) => {
      this.adminOf.delete(tenantId);
      this.error('forbidden', 'the tenant\'s API secret changed; subscribe again with the new one', { for: 'subscribe-tenant', tenantId });
    },
  };

  constructor(
    private readonly socket: WebSocket,
    private readonly origin: string | undefined,
    private readonly context: ConnectionContext,
  ) {
    const { limits } = context;
    this.frames = new TokenBucket(limits.FRAME_RATE_PER_SECOND, limits.FRAME_BURST);
    this.writes = new TokenBucket(limits.WRITE_RATE_PER_SECOND, limits.WRITE_BURST);
    this.outbox = new Outbox(socket, limits.MAX_BATCH_EVENTS, limits.SLOW_CLIENT_BUFFER_BYTES, {
      delivered: context.outboxHooks.delivered,
      overflow: () => {
        context.outboxHooks.overflow();
        this.close(CLOSE_CODES.TRY_AGAIN_LATER, 'slow consumer: too much unsent data');
      },
    });
    socket.on('message', (data, isBinary) => this.receiveGuarded(data, isBinary));
    socket.on('pong', () => { this.alive = true; });
    socket.on('close', () => this.cleanup());
    socket.on('error', (error) => context.log.debug({ err: error }, 'socket error'));
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Called every ping interval: a socket that did not answer the previous ping is dead. */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      this.cleanup();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    // Errors queued this turn (e.g. the rate-limited answer) go out before the close frame.
    this.outbox.flush();
    this.socket.close(code, reason);
    this.cleanup();
    // A peer that never completes the closing handshake is cut off.
    setTimeout(() => this.socket.terminate(), this.context.limits.CLOSE_GRACE_MS).unref();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [topic, subscriber] of this.subscriptions) {
      this.context.hub.remove(topic, subscriber);
      this.context.presence?.remove(this, subscriber.key);
    }
    this.subscriptions.clear();
    for (const tenantId of this.adminOf.keys()) this.context.adminFeed?.remove(tenantId, this.admin);
    this.adminOf.clear();
  }

  private error(code: ErrorCode, message: string, extra: ErrorScope = {}): void {
    this.context.onError(code);
    const frame: ErrorMessage = { type: 'error', code, message, ...extra };
    this.outbox.send(frame);
  }

  /** `rate-limited` by a budget: names the budget and says when to try again. */
  private overBudget(refusal: BudgetRefusal, scope: ErrorScope, countAsRefused: boolean): void {
    this.context.onBudgetRefused?.(refusal.budget);
    const extra = { ...scope, retryAfterMs: refusal.retryAfterMs };
    if (countAsRefused) this.refuse('rate-limited', refusal.message, extra);
    else this.error('rate-limited', refusal.message, extra);
  }

  /** Counts refused frames; a connection that keeps sending after being refused is a flood. */
  private refuse(code: ErrorCode, message: string, extra: ErrorScope = {}): void {
    this.refusedInARow += 1;
    this.error(code, message, extra);
    if (this.refusedInARow >= this.context.limits.FLOOD_CLOSE_AFTER) this.close(CLOSE_CODES.POLICY_VIOLATION, 'flooding');
  }

  /**
   * The connection's error boundary: a frame whose handling throws (a bug) is answered `internal` and logged;
   * the connection and the process live on. Asynchronous failures are caught in `receive`.
   */
  private receiveGuarded(data: WebSocket.RawData, isBinary: boolean): void {
    try {
      this.receive(data, isBinary);
    } catch (error) {
      this.failed({ err: error });
      this.error('internal', 'unexpected error while handling this frame');
    }
  }

  private failed(fields: Record<string, unknown>): void {
    if (this.context.handlerFailed) this.context.handlerFailed(fields);
    else this.context.log.error(fields, 'handler failed');
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.closed) return;
    this.alive = true;
    if (!this.frames.take()) return this.refuse('rate-limited', 'too many frames; slow down');
    if (isBinary) return this.refuse('bad-request', 'frames must be JSON text');
    const parsed = parseClientFrame(data.toString(), this.context.limits);
    if (!parsed.ok) return this.refuse(parsed.code, parsed.error, { broadcastId: parsed.broadcastId, for: parsed.for });
    const message = parsed.message;
    if (isWriteMessage(message)) {
      const scope = { broadcastId: message.broadcastId, for: message.type };
      if (!this.writes.take()) return this.refuse('rate-limited', 'too many writes; slow down', scope);
      const refusal = this.context.budgets.chargeWrite(message, this.user.id);
      if (refusal) return this.overBudget(refusal, scope, true);
    }
    this.refusedInARow = 0;
    this.handle(message).catch((error: unknown) => {
      this.failed({ err: error, type: message.type });
      const broadcastId = isWriteMessage(message) ? message.broadcastId : undefined;
      // Name the image too, so the client knows which subscription to retry.
      const image = message.type === 'subscribe' || message.type === 'unsubscribe' ? { tenantId: message.tenantId, urlId: message.urlId } : {};
      this.error('unavailable', 'the service could not complete this; try again', { broadcastId, for: message.type, ...image });
    });
  }

  private async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'ping':
        return this.outbox.send({ type: 'pong' });
      case 'hello':
        return this.hello(message);
      case 'subscribe':
        return this.queueSubscribe(message);
      case 'unsubscribe':
        return this.inTopicOrder(imageTopic(message), () => this.unsubscribe(message));
      case 'subscribe-tenant':
        return this.subscribeTenant(message);
      default:
        return this.write(message);
    }
  }

  /**
   * Only a valid session changes who the connection is (a person who signs in on an open connection); any other
   * hello changes the name alone. A new identity per hello would restart the per-person budgets and caps.
   */
  private hello(message: HelloMessage): void {
    const known = message.session ? this.context.signer.verify(message.session) : null;
    const name = message.name || GUEST_NAME;
    this.user = { id: known ?? this.user.id, name };
    this.outbox.send({ type: 'welcome', user: this.user, session: this.context.signer.issue(this.user.id) });
  }

  /**
   * Subscribes and unsubscribes of one image run one after another, in arrival order: two subscribes sent
   * together must not both install a subscription, and an unsubscribe must not overtake its subscribe.
   */
  private inTopicOrder(topic: string, operation: () => Promise<void> | void): Promise<void> {
    const previous = this.topicOrder.get(topic) ?? Promise.resolve();
    const run = previous.then(operation);
    const tail = run.then(() => undefined, () => undefined);
    this.topicOrder.set(topic, tail);
    void tail.then(() => {
      if (this.topicOrder.get(topic) === tail) this.topicOrder.delete(topic);
    });
    return run;
  }

  /**
   * A subscribe waits for its image's earlier subscribes and unsubscribes (`inTopicOrder`), then for its turn
   * among the connection's reads (`inReadOrder`). Subscribes waiting count toward the subscription cap, so a
   * burst can neither queue more reads than a connection may hold images nor pass the cap.
   */
  private queueSubscribe(message: SubscribeMessage): Promise<void> {
    const { MAX_SUBSCRIPTIONS_PER_CONNECTION: max } = this.context.limits;
    if (this.subscribesPending >= max) {
      this.error('limit-reached', `at most ${max} images per connection`, { for: 'subscribe', tenantId: message.tenantId, urlId: message.urlId });
      return Promise.resolve();
    }
    this.subscribesPending += 1;
    const done = () => { this.subscribesPending -= 1; };
    const run = this.inTopicOrder(imageTopic(message), () => this.inReadOrder(() => this.subscribe(message)));
    run.then(done, done);
    return run;
  }

  /**
   * One subscribe read at a time per connection, in arrival order: each one's read-budget check sees what the
   * previous answer charged, so a burst of subscribes cannot all pass the check before any answer is counted.
   */
  private inReadOrder(operation: () => Promise<void>): Promise<void> {
    const run = this.readOrder.then(operation);
    this.readOrder = run.then(() => undefined, () => undefined);
    return run;
  }

  private async subscribe(message: SubscribeMessage): Promise<void> {
    if (this.closed) return;
    const key: ImageKey = { tenantId: message.tenantId, urlId: message.urlId };
    const topic = imageTopic(key);
    const scope = { for: 'subscribe', tenantId: key.tenantId, urlId: key.urlId };
    const { limits, budgets } = this.context;
    // Reads run one at a time, so the subscriptions installed so far are all there is to count.
    if (!this.subscriptions.has(topic) && this.subscriptions.size >= limits.MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      return this.error('limit-reached', `at most ${limits.MAX_SUBSCRIPTIONS_PER_CONNECTION} images per connection`, scope);
    }
    // Backpressure: the next answer is read only once the previous ones are (mostly) on the wire, so a page of
    // large images gets them one after another instead of piling them up past the slow-client cap.
    if (!(await this.drained())) {
      if (this.closed) return;
      return this.error('unavailable', `this connection has not read what it was sent for ${limits.SUBSCRIBE_DRAIN_TIMEOUT_MS} ms; subscribe again later`, scope);
    }
    const release = await budgets.acquireRead();
    try {
      // A read (a large snapshot takes tens of milliseconds) waits for the next turn of the event loop: slots
      // pass from one read to the next as promises, and without this a run of reads would hold the loop throughout.
      await nextTurn();
      if (this.closed) return;
      // Before anything is read: a spent read budget costs the store nothing. An existing subscription stays.
      const refusal = budgets.readRefusal();
      if (refusal) return this.overBudget(refusal, scope, false);
      await this.installSubscription(key, topic, message, scope);
    } finally {
      release();
    }
  }

  /** Waits until the socket's unsent data is below a quarter of the slow-client cap; false if it does not in time. */
  private async drained(): Promise<boolean> {
    const { SLOW_CLIENT_BUFFER_BYTES, SUBSCRIBE_DRAIN_TIMEOUT_MS } = this.context.limits;
    const deadline = Date.now() + SUBSCRIBE_DRAIN_TIMEOUT_MS;
    while (this.outbox.unsentBytes >= SLOW_CLIENT_BUFFER_BYTES / 4) {
      if (this.closed || Date.now() >= deadline) return false;
      await sleep(DRAIN_POLL_MS);
    }
    return !this.closed;
  }

  private async installSubscription(key: ImageKey, topic: string, message: SubscribeMessage, scope: ErrorScope): Promise<void> {
    const access = await this.context.service.access(key.tenantId, this.origin, this.context.address);
    if (!access.ok) return this.error(access.code, access.message, scope);
    if (this.closed) return;
    // A repeated subscribe (a client resyncing) replaces the old subscription.
    const existing = this.subscriptions.get(topic);
    if (existing) this.context.hub.remove(topic, existing);
    const subscriber: Subscriber = {
      key,
      floor: 0,
      held: [],
      deliver: (frame) => this.outbox.sendEvent(frame, key.tenantId, key.urlId),
      resync: () => this.outbox.send({ type: 'resync', tenantId: key.tenantId, urlId: key.urlId }),
    };
    const counted = this.subscriptions.has(topic);
    this.subscriptions.set(topic, subscriber);
    if (!counted) this.context.presence?.add(this, key);
    const { service, limits } = this.context;
    let answer;
    try {
      await this.context.hub.add(topic, subscriber);
      answer = await subscribedAnswer((k, since, epoch) => service.read(k, since, epoch), key, message.since, message.epoch, limits.MAX_SNAPSHOT_BYTES);
    } catch (error) {
      // Never leave a subscription behind that holds events back for an answer that will not come.
      this.dropSubscription(topic, subscriber);
      throw error;
    }
    if (this.subscriptions.get(topic) !== subscriber) return; // unsubscribed or replaced meanwhile
    if (!answer.ok) {
      this.dropSubscription(topic, subscriber);
      return this.error('too-large', `this image's snapshot is ${answer.bytes} bytes, more than the ${limits.MAX_SNAPSHOT_BYTES} a subscribe is sent`, scope);
    }
    this.context.budgets.chargeRead(answer.bytes);
    this.outbox.sendAnswer(answer.frame, answer.bytes);
    this.context.hub.goLive(topic, subscriber, answer.seq);
    // Out now, so the next subscribe's backpressure check sees this answer in the socket's buffer.
    this.outbox.flush();
  }

  private dropSubscription(topic: string, subscriber: Subscriber): void {
    if (this.subscriptions.get(topic) === subscriber) {
      this.subscriptions.delete(topic);
      this.context.presence?.remove(this, subscriber.key);
    }
    this.context.hub.remove(topic, subscriber);
  }

  private unsubscribe(message: UnsubscribeMessage): void {
    const topic = imageTopic(message);
    const subscriber = this.subscriptions.get(topic);
    if (subscriber) this.dropSubscription(topic, subscriber);
    this.outbox.send({ type: 'unsubscribed', tenantId: message.tenantId, urlId: message.urlId });
  }

  /** The tenant-wide admin feed: only the tenant's own secret opens it. */
  private async subscribeTenant(message: SubscribeTenantMessage): Promise<void> {
    const feed = this.context.adminFeed;
    const scope = { for: 'subscribe-tenant', tenantId: message.tenantId };
    if (!feed || !message.secret || !(await feed.authorize(message.tenantId, message.secret))) {
      return this.error('forbidden', 'only the tenant\'s API secret opens its admin feed', scope);
    }
    if (this.closed) return;
    this.adminOf.set(message.tenantId, message.secret);
    await feed.add(message.tenantId, this.admin, message.secret);
    this.outbox.send({ type: 'subscribed', role: 'admin', tenantId: message.tenantId });
  }

  /** Admin of the tenant, with a secret that is still the tenant's (a rotated secret ends it, feed included). */
  private async isModerator(tenantId: string): Promise<boolean> {
    const secret = this.adminOf.get(tenantId);
    const feed = this.context.adminFeed;
    if (secret === undefined || !feed) return false;
    if (await feed.authorize(tenantId, secret)) return true;
    this.adminOf.delete(tenantId);
    feed.remove(tenantId, this.admin);
    return false;
  }

  /**
   * Writes are authorized one after another, in the order they arrived, and each is handed to the store as
   * soon as it is authorized; so a connection's writes are stored in the order it sent them even when one
   * authorization has to wait for the store (a tenant cache miss). The stores keep their call order.
   */
  private write(message: WriteMessage): Promise<void> {
    const started = performance.now();
    const authorized = this.writeOrder.then(() => this.authorizeWrite(message));
    this.writeOrder = authorized.then(() => undefined, () => undefined);
    // Tracked from arrival, so a graceful shutdown also waits for writes still being authorized.
    return this.context.service.track(authorized.then((moderator) => (moderator === null ? undefined : this.commitWrite(message, moderator, started))));
  }

  /** Null when refused (the error is sent); else whether the writer acts as the tenant's moderator. */
  private async authorizeWrite(message: WriteMessage): Promise<boolean | null> {
    const moderator = await this.isModerator(message.tenantId);
    if (!moderator && !this.subscriptions.has(imageTopic(message))) {
      const access = await this.context.service.access(message.tenantId, this.origin, this.context.address);
      if (!access.ok) {
        this.error(access.code, access.message, { broadcastId: message.broadcastId, for: message.type });
        return null;
      }
    }
    // Not counted toward flooding: the tenant's budget may have been spent by others.
    const refusal = this.context.budgets.chargeTenant(message);
    if (refusal) {
      this.overBudget(refusal, { broadcastId: message.broadcastId, for: message.type }, false);
      return null;
    }
    return moderator;
  }

  private async commitWrite(message: WriteMessage, moderator: boolean, started: number): Promise<void> {
    const outcome = await this.context.service.commit(
      message,
      { ...this.user, moderator },
      (event) => {
        this.outbox.send({ type: 'ack', broadcastId: message.broadcastId, seq: event.seq });
        this.context.onWriteAcked?.((performance.now() - started) / 1000);
        // Tell the hub the seq exists, so it fetches the event from the store if the bus never brings it.
        this.context.hub.noteSeq(imageTopic(message), event.seq);
      },
      (error) => this.context.log.warn({ err: error }, 'publish failed; subscribers will catch up from the store'),
    );
    if (!outcome.ok) this.error(outcome.code, outcome.message, { broadcastId: message.broadcastId, for: message.type });
  }
}
