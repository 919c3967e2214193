/**
 * One connection's image subscriptions: `subscribe` and `unsubscribe` in arrival order per image, one read at
 * a time behind the read budgets and the socket's backpressure, and the subscriber each one registers with
 * the topic hub before its snapshot is read (so nothing falls between them).
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import {
  imageTopic, type ImageKey, type SubscribeMessage, type TenantRules, type TypingMessage, type UnsubscribeMessage,
} from '../../shared/index.js';
import type { Access } from '../core/service.js';
import type { ConnectionContext, ConnectionReplies, ErrorScope } from './connection-context.js';
import { answerTo, READ_A_SNAPSHOT, snapshotAnswerTo } from './subscribed-answer.js';
import type { ReleaseSlot } from './read-slots.js';
import { OutboxSubscriber } from './outbox-subscriber.js';
import { TopicSlots } from './topic-slots.js';

/** How often a subscribe waiting for its connection's buffer to drain looks again: short next to a snapshot's send. */
const SEND_BUFFER_POLL_MS = 15;

/** What waits in a connection's line: its subscribes, and unsubscribes of an image with a subscribe ahead of them. */
type LineEntry = SubscribeMessage | UnsubscribeMessage;

const sameImage = (a: ImageKey, b: ImageKey): boolean => a.urlId === b.urlId && a.tenantId === b.tenantId;

/** Where the line's last subscribe of the image is; -1 when it holds none. */
function lastSubscribeOf(line: LineEntry[], image: ImageKey): number {
  for (let index = line.length - 1; index >= 0; index -= 1) {
    const entry = line[index]!;
    if (entry.type === 'subscribe' && sameImage(entry, image)) return index;
  }
  return -1;
}

/** What an error about a subscribe names (made only when one is sent). */
const subscribeScope = (message: SubscribeMessage): ErrorScope => ({ for: 'subscribe', tenantId: message.tenantId, urlId: message.urlId });

export class ConnectionSubscriptions {
  private readonly byTopic = new TopicSlots<OutboxSubscriber>();
  /**
   * This connection's subscribes in arrival order, run one at a time (the first is the one running); made while
   * any waits. The messages themselves, not a chain of eight promises and their closures per subscribe, as there
   * was: a crowd's arrival makes thousands at once (issue 14: allocation per connection).
   */
  private line: LineEntry[] | undefined = undefined;
  /** Subscribes in the line (waiting or being read). */
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
   * A subscribe joins the connection's line and is read in its turn, one at a time, so that each one's
   * read-budget check sees what the previous answer charged and two subscribes of one image never both install
   * a subscription. Subscribes in the line count toward the subscription cap, so a burst can neither queue more
   * reads than a connection may hold images nor pass the cap.
   */
  subscribe(message: SubscribeMessage): void {
    const { MAX_SUBSCRIPTIONS_PER_CONNECTION: max } = this.context.limits;
    if (this.pending >= max) {
      return this.replies.error('limit-reached', `at most ${max} images per connection`, subscribeScope(message));
    }
    this.pending += 1;
    this.enqueue(message);
  }

  /**
   * Leaves at once, unless a subscribe of the image is in the line: then right after the last one (never
   * overtaking it, nor waiting for other images' reads behind it).
   */
  unsubscribe(message: UnsubscribeMessage): void {
    const line = this.line;
    const last = line ? lastSubscribeOf(line, message) : -1;
    if (line && last >= 0) line.splice(last + 1, 0, message);
    else this.leave(message);
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

  private enqueue(entry: LineEntry): void {
    if (this.line) {
      this.line.push(entry);
      return;
    }
    const line = (this.line = [entry]);
    void this.runLine(line);
  }

  /** Runs the line to its end; an entry that fails is answered `unavailable` and the line goes on. */
  private async runLine(line: LineEntry[]): Promise<void> {
    for (let entry = line[0]; entry !== undefined; entry = line[0]) {
      try {
        if (entry.type === 'unsubscribe') {
          this.leave(entry);
        } else {
          const reading = this.read(entry);
          if (reading) await reading;
        }
      } catch (error) {
        this.replies.failed(error, entry);
      } finally {
        if (entry.type === 'subscribe') this.pending -= 1;
        line.shift();
      }
    }
    this.line = undefined;
  }

  private leave(message: UnsubscribeMessage): void {
    const topic = imageTopic(message);
    const subscriber = this.byTopic.get(topic);
    if (subscriber) this.drop(topic, subscriber);
    this.replies.outbox.send({ type: 'unsubscribed', tenantId: message.tenantId, urlId: message.urlId });
  }

  /**
   * A subscribe whose turn in the line came. What needs no waiting is done here, and a promise is made only to
   * wait: in a crowd's arrival every await is a promise and a suspended frame per subscribe, which live long
   * enough to be promoted to the old generation (issue 14: RSS per connection).
   */
  private read(message: SubscribeMessage): Promise<void> | undefined {
    if (this.replies.closed) return undefined;
    const topic = imageTopic(message);
    const { MAX_SUBSCRIPTIONS_PER_CONNECTION: max } = this.context.limits;
    // Reads run one at a time, so the subscriptions installed so far are all there is to count.
    if (!this.byTopic.has(topic) && this.byTopic.size >= max) {
      this.replies.error('limit-reached', `at most ${max} images per connection`, subscribeScope(message));
      return undefined;
    }
    if (this.sendBufferIsLow()) {
      const release = this.context.budgets.tryAcquireRead(this.context);
      if (release) return this.withSlot(topic, message, release);
    }
    return this.readAfterWaiting(topic, message);
  }

  /** Waits for the socket to drain, then for a read slot. */
  private async readAfterWaiting(topic: string, message: SubscribeMessage): Promise<void> {
    const { limits, budgets } = this.context;
    // Backpressure: the next answer is read only once the previous ones are (mostly) on the wire, so a page of
    // large images gets them one after another instead of piling them up past the slow-client cap.
    if (!this.sendBufferIsLow() && !(await this.sendBufferDrained())) {
      if (this.replies.closed) return;
      return this.replies.error('unavailable', `this connection has not read what it was sent for ${limits.SUBSCRIBE_DRAIN_TIMEOUT_MS} ms; subscribe again later`, subscribeScope(message));
    }
    const free = budgets.tryAcquireRead(this.context);
    const release = free ?? await budgets.acquireRead(this.context);
    // A slot waited for was passed on by the read before, as a promise: without waiting for the next turn of the
    // event loop, a run of reads (a large snapshot takes tens of milliseconds) would hold the loop throughout.
    if (!free) await nextTurn();
    return this.withSlot(topic, message, release);
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

  /**
   * Holding a read slot: the checks that need no waiting (the read budget, a cached tenant), then the rest, which
   * gives the slot back when done. What a crowd's subscribes to one image would each wait for is skipped when it
   * is ready (a cached tenant, a topic already on the bus), so the store's answer is the one wait of most.
   */
  private withSlot(topic: string, message: SubscribeMessage, release: ReleaseSlot): Promise<void> | undefined {
    let handedOver = false;
    try {
      if (this.replies.closed) return undefined;
      // Before anything is read: a spent read budget costs the store nothing. An existing subscription stays.
      const refusal = this.context.budgets.readRefusal(this.context);
      if (refusal) {
        this.replies.overBudget(refusal, subscribeScope(message), false);
        return undefined;
      }
      const cached = this.context.service.accessNow(message.tenantId, this.context.origin);
      if (cached && !cached.ok) {
        this.replies.error(cached.code, cached.message, subscribeScope(message));
        return undefined;
      }
      handedOver = true;
      return this.subscribeAndAnswer(topic, message, cached, release);
    } finally {
      if (!handedOver) release();
    }
  }

  private async subscribeAndAnswer(parsedTopic: string, message: SubscribeMessage, cached: Access | undefined, release: ReleaseSlot): Promise<void> {
    try {
      const { service, limits, hub, address, origin } = this.context;
      const access = cached ?? await service.access(message.tenantId, origin, address);
      if (!access.ok) return this.replies.error(access.code, access.message, subscribeScope(message));
      if (this.replies.closed) return;
      const held = hub.held(parsedTopic);
      const topic = held?.topic ?? parsedTopic;
      const key = held?.key ?? { tenantId: message.tenantId, urlId: message.urlId };
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
        const opening = hub.add(topic, subscriber);
        if (opening) await opening;
        const read = answerTo(key, await service.read(key, message.since, message.epoch, topic), limits.MAX_SNAPSHOT_BYTES);
        answer = read === READ_A_SNAPSHOT ? snapshotAnswerTo(key, await service.read(key, undefined, undefined, topic), limits.MAX_SNAPSHOT_BYTES) : read;
      } catch (error) {
        // Never leave a subscription behind that holds events back for an answer that will not come.
        this.drop(topic, subscriber);
        throw error;
      }
      if (this.byTopic.get(topic) !== subscriber) return; // unsubscribed or replaced meanwhile
      if (!answer.ok) {
        this.drop(topic, subscriber);
        return this.replies.error('too-large', `this image's snapshot is ${answer.bytes} bytes, more than the ${limits.MAX_SNAPSHOT_BYTES} a subscribe is sent`, subscribeScope(message));
      }
      this.context.budgets.chargeRead(this.context, answer.bytes);
      outbox.queueAnswer(answer.frame, answer.bytes);
      hub.goLive(topic, subscriber, answer.seq);
      // Presence is part of the subscription: the snapshot follows the answer.
      this.joinPresence(subscriber, access.tenant.rules);
      // Out now, so the next subscribe's backpressure check sees this answer in the socket's buffer.
      outbox.flush();
    } finally {
      release();
    }
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
    // Most connections watch nothing when they subscribe: no iterator made for them.
    if (this.byTopic.size === 0) return false;
    for (const subscriber of this.byTopic.values()) if (subscriber.key.tenantId === tenantId) return true;
    return false;
  }
}
