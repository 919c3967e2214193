/**
 * One connection's image subscriptions: `subscribe` and `unsubscribe` in arrival order per image, one read at
 * a time behind the read budgets and the socket's backpressure, and the subscriber each one registers with
 * the topic hub before its snapshot is read (so nothing falls between them).
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import {
  imageTopic, type ImageKey, type SubscribeMessage, type TenantRules, type TypingMessage, type UnsubscribeMessage,
} from '../../shared/index.js';
import { HOLDING, type Subscriber } from '../fanout/topic-hub.js';
import type { PresenceConnection } from '../presence/image-presence.js';
import type { ConnectionContext, ConnectionReplies, ErrorScope } from './connection-context.js';
import { subscribedAnswer } from './subscribed-answer.js';
import type { Outbox } from './outbox.js';
import { TopicSlots } from './topic-slots.js';

/** How often a subscribe waiting for its connection's buffer to drain looks again: short next to a snapshot's send. */
const SEND_BUFFER_POLL_MS = 15;

/**
 * A subscription as the topic hub and the presence hub see it: events and presence frames go to the connection's
 * outbox (methods, not closures per subscription).
 */
class OutboxSubscriber implements Subscriber, PresenceConnection {
  floor = HOLDING;
  held: Subscriber['held'] = null;

  constructor(private readonly outbox: Outbox, readonly key: ImageKey) {}

  deliver(frame: Buffer): void {
    this.outbox.queueEvent(frame, this.key.tenantId, this.key.urlId);
  }

  resync(): void {
    this.outbox.send({ type: 'resync', tenantId: this.key.tenantId, urlId: this.key.urlId });
  }

  deliverPresence(frame: Buffer): void {
    this.outbox.queuePresence(frame, this.key.tenantId, this.key.urlId);
  }
}

export class ConnectionSubscriptions {
  private readonly byTopic = new TopicSlots<OutboxSubscriber>();
  /**
   * Per image, the tail of this connection's subscribes and unsubscribes, which run in arrival order; made while
   * any runs (TopicSlots: a connection subscribes to one image, and a Map made and dropped per subscribe was
   * half a kilobyte of garbage per connection in a crowd's arrival).
   */
  private topicOrder: TopicSlots<Promise<void>> | undefined = undefined;
  /** The tail of this connection's subscribe reads, which run one at a time in arrival order; none while none runs. */
  private readOrder: Promise<void> | undefined = undefined;
  /** Subscribes received and not yet answered (waiting or being read). */
  private pending = 0;

  constructor(
    private readonly context: ConnectionContext,
    private readonly replies: ConnectionReplies,
  ) {}

  get size(): number {
    return this.byTopic.size;
  }

  /** Whether this connection watches the image of `topic` (its writes there need no tenant lookup). */
  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  /**
   * A subscribe waits for its image's earlier subscribes and unsubscribes (`inTopicOrder`), then for its turn
   * among the connection's reads (`inReadOrder`). Subscribes waiting count toward the subscription cap, so a
   * burst can neither queue more reads than a connection may hold images nor pass the cap.
   */
  subscribe(message: SubscribeMessage): Promise<void> {
    const { MAX_SUBSCRIPTIONS_PER_CONNECTION: max } = this.context.limits;
    if (this.pending >= max) {
      this.replies.error('limit-reached', `at most ${max} images per connection`, { for: 'subscribe', tenantId: message.tenantId, urlId: message.urlId });
      return Promise.resolve();
    }
    this.pending += 1;
    const done = () => { this.pending -= 1; };
    const run = this.inTopicOrder(imageTopic(message), () => this.inReadOrder(() => this.read(message)));
    run.then(done, done);
    return run;
  }

  unsubscribe(message: UnsubscribeMessage): Promise<void> {
    return this.inTopicOrder(imageTopic(message), () => {
      const topic = imageTopic(message);
      const subscriber = this.byTopic.get(topic);
      if (subscriber) this.drop(topic, subscriber);
      this.replies.outbox.send({ type: 'unsubscribed', tenantId: message.tenantId, urlId: message.urlId });
    });
  }

  /** The socket closed: every subscription leaves the hub and presence. */
  removeAll(): void {
    for (const [topic, subscriber] of [...this.byTopic.entries()]) this.drop(topic, subscriber);
  }

  /**
   * A typing signal in a thread of a subscribed image: to the presence hub, which throttles it and forwards it to
   * the image's other viewers. Not subscribed (or not yet answered) is a `bad-request`.
   */
  typing(message: TypingMessage): void {
    const key: ImageKey = { tenantId: message.tenantId, urlId: message.urlId };
    const subscriber = this.byTopic.get(imageTopic(key));
    if (!subscriber) {
      return this.replies.error('bad-request', 'subscribe to the image before typing in it', { for: 'typing', tenantId: key.tenantId, urlId: key.urlId });
    }
    this.context.viewers?.typing(key, subscriber, message.chatId, message.stopped === true);
  }

  /** Who the connection is on `tenantId` (every tenant when undefined) changed: presence shows the new person. */
  identityChanged(tenantId: string | undefined): void {
    const viewers = this.context.viewers;
    if (!viewers) return;
    for (const subscriber of this.byTopic.values()) {
      if (tenantId !== undefined && subscriber.key.tenantId !== tenantId) continue;
      viewers.update(subscriber.key, subscriber, this.replies.presencePerson(subscriber.key.tenantId));
    }
  }

  /**
   * Subscribes and unsubscribes of one image run one after another, in arrival order: two subscribes sent
   * together must not both install a subscription, and an unsubscribe must not overtake its subscribe.
   */
  private inTopicOrder(topic: string, operation: () => Promise<void> | void): Promise<void> {
    const order = (this.topicOrder ??= new TopicSlots());
    const previous = order.get(topic) ?? Promise.resolve();
    const run = previous.then(operation);
    const tail = run.then(() => undefined, () => undefined);
    order.set(topic, tail);
    void tail.then(() => {
      if (order.get(topic) !== tail) return;
      order.delete(topic);
      if (order.size === 0 && this.topicOrder === order) this.topicOrder = undefined;
    });
    return run;
  }

  /**
   * One subscribe read at a time per connection, in arrival order: each one's read-budget check sees what the
   * previous answer charged, so a burst of subscribes cannot all pass the check before any answer is counted.
   */
  private inReadOrder(operation: () => Promise<void>): Promise<void> {
    const run = (this.readOrder ?? Promise.resolve()).then(operation);
    const tail = run.then(() => undefined, () => undefined);
    this.readOrder = tail;
    // Forgotten once the last read is done: an idle connection keeps no settled promise.
    void tail.then(() => {
      if (this.readOrder === tail) this.readOrder = undefined;
    });
    return run;
  }

  private async read(message: SubscribeMessage): Promise<void> {
    if (this.replies.closed) return;
    const key: ImageKey = { tenantId: message.tenantId, urlId: message.urlId };
    const topic = imageTopic(key);
    const scope = { for: 'subscribe', tenantId: key.tenantId, urlId: key.urlId };
    const { limits, budgets } = this.context;
    // Reads run one at a time, so the subscriptions installed so far are all there is to count.
    if (!this.byTopic.has(topic) && this.byTopic.size >= limits.MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      return this.replies.error('limit-reached', `at most ${limits.MAX_SUBSCRIPTIONS_PER_CONNECTION} images per connection`, scope);
    }
    // Backpressure: the next answer is read only once the previous ones are (mostly) on the wire, so a page of
    // large images gets them one after another instead of piling them up past the slow-client cap.
    if (!this.sendBufferIsLow() && !(await this.sendBufferDrained())) {
      if (this.replies.closed) return;
      return this.replies.error('unavailable', `this connection has not read what it was sent for ${limits.SUBSCRIBE_DRAIN_TIMEOUT_MS} ms; subscribe again later`, scope);
    }
    const release = await budgets.acquireRead(this.context);
    try {
      // A read (a large snapshot takes tens of milliseconds) waits for the next turn of the event loop: slots
      // pass from one read to the next as promises, and without this a run of reads would hold the loop throughout.
      await nextTurn();
      if (this.replies.closed) return;
      // Before anything is read: a spent read budget costs the store nothing. An existing subscription stays.
      const refusal = budgets.readRefusal(this.context);
      if (refusal) return this.replies.overBudget(refusal, scope, false);
      await this.install(key, topic, message, scope);
    } finally {
      release();
    }
  }

  /** Whether the socket's unsent data is below a quarter of the slow-client cap (the next answer may be read). */
  private sendBufferIsLow(): boolean {
    return this.replies.outbox.unsentBytes < this.context.limits.SLOW_CLIENT_BUFFER_BYTES / 4;
  }

  /** Waits until `sendBufferIsLow`; false if it is not in time. */
  private async sendBufferDrained(): Promise<boolean> {
    const deadline = Date.now() + this.context.limits.SUBSCRIBE_DRAIN_TIMEOUT_MS;
    while (!this.sendBufferIsLow()) {
      if (this.replies.closed || Date.now() >= deadline) return false;
      await sleep(SEND_BUFFER_POLL_MS);
    }
    return !this.replies.closed;
  }

  private async install(parsedKey: ImageKey, parsedTopic: string, message: SubscribeMessage, scope: ErrorScope): Promise<void> {
    const { service, limits, hub, address, origin } = this.context;
    const access = await service.access(parsedKey.tenantId, origin, address);
    if (!access.ok) return this.replies.error(access.code, access.message, scope);
    if (this.replies.closed) return;
    const { topic, key } = hub.shared(parsedTopic, parsedKey);
    // A repeated subscribe (a client resyncing) replaces the old subscription.
    const existing = this.byTopic.get(topic);
    if (existing) {
      hub.remove(topic, existing);
      this.context.viewers?.leave(key, existing);
    }
    const outbox = this.replies.outbox;
    const subscriber = new OutboxSubscriber(outbox, key);
    const counted = this.byTopic.has(topic);
    const firstOfTenant = !counted && !this.watchesTenant(key.tenantId);
    this.byTopic.set(topic, subscriber);
    if (!counted) this.context.presence?.add(key, firstOfTenant);
    let answer;
    try {
      await hub.add(topic, subscriber);
      answer = await subscribedAnswer((k, since, epoch) => service.read(k, since, epoch), key, message.since, message.epoch, limits.MAX_SNAPSHOT_BYTES);
    } catch (error) {
      // Never leave a subscription behind that holds events back for an answer that will not come.
      this.drop(topic, subscriber);
      throw error;
    }
    if (this.byTopic.get(topic) !== subscriber) return; // unsubscribed or replaced meanwhile
    if (!answer.ok) {
      this.drop(topic, subscriber);
      return this.replies.error('too-large', `this image's snapshot is ${answer.bytes} bytes, more than the ${limits.MAX_SNAPSHOT_BYTES} a subscribe is sent`, scope);
    }
    this.context.budgets.chargeRead(this.context, answer.bytes);
    outbox.queueAnswer(answer.frame, answer.bytes);
    hub.goLive(topic, subscriber, answer.seq);
    // Presence is part of the subscription: the snapshot follows the answer.
    this.joinPresence(subscriber, access.tenant.rules);
    // Out now, so the next subscribe's backpressure check sees this answer in the socket's buffer.
    outbox.flush();
  }

  private joinPresence(subscriber: OutboxSubscriber, rules: TenantRules): void {
    this.context.viewers?.join(subscriber.key, subscriber, this.replies.presencePerson(subscriber.key.tenantId), rules);
  }

  private drop(topic: string, subscriber: OutboxSubscriber): void {
    if (this.byTopic.get(topic) === subscriber) {
      this.byTopic.delete(topic);
      this.context.presence?.remove(subscriber.key, !this.watchesTenant(subscriber.key.tenantId));
      this.context.viewers?.leave(subscriber.key, subscriber);
    }
    this.context.hub.remove(topic, subscriber);
  }

  /** Whether any image of the tenant is watched (a connection counts once per tenant in presence). */
  private watchesTenant(tenantId: string): boolean {
    for (const subscriber of this.byTopic.values()) if (subscriber.key.tenantId === tenantId) return true;
    return false;
  }
}
