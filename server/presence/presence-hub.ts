/**
 * Presence on this node (issue 15, docs/protocol.md#presence): who is viewing each image its connections
 * subscribe to, merged with what the other nodes publish, and who is typing.
 *
 * - Each node owns its local viewers. It publishes its whole local state of an image on the image's own bus
 *   topic on every change (coalesced with the image's flush) and as a heartbeat every PRESENCE_HEARTBEAT_MS
 *   while it holds viewers there; a node that starts holding viewers of an image asks the others to publish.
 *   Other nodes keep a node's state until PRESENCE_EXPIRY_MS passes without a heartbeat, so a dead node's
 *   viewers disappear within that bound. Nothing is stored: after an outage every node republishes at once.
 * - Changes of one image are coalesced for PRESENCE_FLUSH_MS into one delta, serialized once and sent as the same
 *   bytes to every local subscriber (except that a typer's own connections get it without their typing entry).
 * - A crowd costs what people can see, not viewers × flushes: past PRESENCE_CROWD_VIEWERS local viewers, a change
 *   of the count alone (frames and this node's bus state) waits a window that grows with the audience, up to
 *   PRESENCE_CROWD_FLUSH_MS; listed people joining or leaving, typing and an `ask` still go at the next flush.
 * - Presence never slows events: it rides the bus only when the bus is healthy, and a failed publish is dropped.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { imageTopic, type ImageKey, type Limits, type PresenceDeltaMessage } from '../../shared/index.js';
import type { Bus } from '../bus/types.js';
import {
  decodePresenceMessage, encodePresenceMessage, type PresenceBusMessage, type PresenceTypingBusMessage,
} from './presence-bus-message.js';
import {
  ImagePresence, type PresenceChange, type PresenceConnection, type PresencePerson, type PresenceRules,
} from './image-presence.js';

/** How often heartbeats fall due and expired node states are dropped: a small part of PRESENCE_EXPIRY_MS. */
const SWEEP_INTERVAL_MS = 1000;
/**
 * Threads one person's typing is remembered in per image (for forwarding their `stopped`): someone writes in one
 * thread at a time, perhaps a second in another tab; the oldest beyond this expires on its own at the clients.
 */
const TYPING_THREADS_PER_PERSON = 4;

type PresenceLimits = Pick<Limits,
  'PRESENCE_LIST_MAX' | 'PRESENCE_TYPING_MAX' | 'PRESENCE_FLUSH_MS' | 'TYPING_MIN_INTERVAL_MS' | 'PRESENCE_HEARTBEAT_MS' | 'PRESENCE_EXPIRY_MS'
  | 'PRESENCE_CROWD_VIEWERS' | 'PRESENCE_CROWD_FLUSH_MS' | 'PRESENCE_STATE_PEOPLE_MAX'>;

interface PresenceHubOptions {
  bus: Bus;
  /** This node's id on the bus: its own messages come back to it and are skipped. */
  nodeId: string;
  limits: PresenceLimits;
  log: Logger;
  now?: () => number;
}

/** What the typing handler did with a signal: forwarded, or dropped (throttled, presence off, no one else there). */
export type TypingOutcome = 'forwarded' | 'dropped';

/**
 * @example
 * const presence = new PresenceHub({ bus, nodeId, limits, log });
 * presence.join(key, subscriber, { id: 'sso:42', name: 'Ann' }, tenant.rules);   // after `subscribed`
 * presence.typing(key, subscriber, chatId, false);
 * presence.leave(key, subscriber);
 */
export class PresenceHub {
  private readonly images = new Map<string, ImagePresence>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly now: () => number;
  /** Keys the typing of people without a listed identity, so their ids never leave the server. */
  private readonly salt = randomBytes(16).toString('base64url');
  /** Gives each connection without identity its own presence key. */
  private connectionKeys = new WeakMap<PresenceConnection, string>();
  private nextConnectionKey = 0;
  private lastJoinAt = 0;

  constructor(private readonly options: PresenceHubOptions) {
    this.now = options.now ?? Date.now;
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Images with local viewers on this node. */
  get imageCount(): number {
    return this.images.size;
  }

  /**
   * A subscription's `subscribed` answer was queued: it joins the image's viewers and is sent a snapshot right
   * after (unless the tenant turned presence off). A repeated join of the same subscription updates its person.
   */
  join(key: ImageKey, connection: PresenceConnection, person: PresencePerson, rules: PresenceRules): void {
    const topic = imageTopic(key);
    let image = this.images.get(topic);
    if (!image) {
      image = new ImagePresence(key, topic, rules, this.options.limits.PRESENCE_LIST_MAX);
      this.images.set(topic, image);
      // The others' states arrive within a flush, and ours goes to them.
      this.publish(image, { presence: 'ask', node: this.options.nodeId });
    }
    image.rules = rules;
    image.leave(connection);
    image.join(connection, person, this.joinTime());
    // A snapshot is made for each joiner (its count is new with every join): O(joins), never O(viewers).
    if (rules.presence) connection.deliverPresence(Buffer.from(JSON.stringify(image.snapshot(connection))));
    this.scheduleFlush(image);
  }

  /** The person behind a subscription changed (a sign-in on an open connection): no new snapshot, a delta for all. */
  update(key: ImageKey, connection: PresenceConnection, person: PresencePerson): void {
    const image = this.images.get(imageTopic(key));
    const before = image?.viewerOf(connection);
    if (!image || !before) return;
    if (before.id === person.id && before.name === person.name && before.avatar === person.avatar) return;
    // Typing is keyed by who they were: it ends with that identity, or it would show until the others' timeout.
    if (before.id !== person.id) this.stopTypingOf(image, connection, before);
    image.rejoin(connection, person, this.joinTime());
    this.scheduleFlush(image);
  }

  leave(key: ImageKey, connection: PresenceConnection): void {
    const topic = imageTopic(key);
    const image = this.images.get(topic);
    const person = image?.leave(connection);
    if (!image || !person) return;
    this.stopTypingOf(image, connection, person);
    if (image.hasLocalViewers) return this.scheduleFlush(image);
    // The last local viewer left: the others hear it now, not after PRESENCE_EXPIRY_MS.
    if (image.flushTimer) clearTimeout(image.flushTimer);
    this.images.delete(topic);
    this.publish(image, image.localState(this.options.nodeId, this.options.limits.PRESENCE_STATE_PEOPLE_MAX));
  }

  /**
   * A typing signal of a subscription: forwarded to the image's other viewers (on every node) at most once per
   * TYPING_MIN_INTERVAL_MS per person, or dropped. `stopped` is forwarded only when the person's typing was.
   */
  typing(key: ImageKey, connection: PresenceConnection, chatId: string, stopped: boolean): TypingOutcome {
    const image = this.images.get(imageTopic(key));
    const person = image?.viewerOf(connection);
    if (!image || !person || !image.rules.presence) return 'dropped';
    const { limits, nodeId } = this.options;
    const now = this.now();
    const from = this.presenceKey(connection, person);
    const typer = image.typers.get(from);
    if (stopped) {
      if (!typer?.chats.delete(chatId)) return 'dropped';
      if (typer.chats.size === 0) image.typers.delete(from);
    } else {
      if (typer && now - typer.at < limits.TYPING_MIN_INTERVAL_MS) return 'dropped';
      // Nothing is sent when no one else has the image open.
      if (image.view().count <= 1) return 'dropped';
      const chats = typer?.chats ?? new Set<string>();
      chats.add(chatId);
      // A client that never says it stopped cannot grow this: the oldest thread is forgotten (its entry expires).
      if (chats.size > TYPING_THREADS_PER_PERSON) chats.delete(chats.values().next().value!);
      image.typers.set(from, { at: now, chats });
    }
    const id = this.typingId(image, person, from);
    const message: PresenceTypingBusMessage = stopped
      ? { presence: 'typing', node: nodeId, from, stoppedTyping: { id, chatId } }
      : { presence: 'typing', node: nodeId, from, typing: { id, chatId, ...(image.rules.presenceNames && person.name !== undefined ? { name: person.name } : {}) } };
    this.typingArrived(image, message);
    this.publish(image, message);
    return 'forwarded';
  }

  /**
   * The tenant's rules changed: its images use them from now on; when presence was turned on or names on or off,
   * every local subscriber gets a fresh snapshot.
   */
  rulesChanged(tenantId: string, rules: PresenceRules): void {
    for (const image of this.images.values()) {
      if (image.key.tenantId !== tenantId) continue;
      const before = image.rules;
      image.rules = { presence: rules.presence, presenceNames: rules.presenceNames };
      // A change may be announced more than once (locally and over the bus): only a real one sends snapshots.
      if (!rules.presence || (before.presence && before.presenceNames === rules.presenceNames)) continue;
      // One snapshot serialized for all: nothing changes between them.
      let frame: Buffer | null = null;
      for (const connection of image.local.keys()) {
        const snapshot = image.snapshot(connection);
        frame ??= Buffer.from(JSON.stringify(snapshot));
        connection.deliverPresence(frame);
      }
    }
  }

  /** A presence message arrived on an image topic (from the bus handler). */
  messageArrived(topic: string, payload: string): void {
    const image = this.images.get(topic);
    if (!image) return;
    const message = decodePresenceMessage(payload);
    if (!message) return void this.options.log.warn({ topic: topic.slice(0, 200) }, 'malformed presence message ignored');
    if (message.node === this.options.nodeId) return; // own: already applied here
    switch (message.presence) {
      case 'ask':
        image.localChanged = true;
        image.stateAsked = true;
        return this.scheduleFlush(image);
      case 'state':
        image.remoteState(message, this.now() + this.options.limits.PRESENCE_EXPIRY_MS);
        return this.scheduleFlush(image);
      case 'typing':
        return this.typingArrived(image, message);
    }
  }

  /** The bus is back after an outage: every node republishes its state and asks for the others'. */
  busUp(): void {
    for (const image of this.images.values()) {
      image.localChanged = true;
      image.stateAsked = true;
      this.publish(image, { presence: 'ask', node: this.options.nodeId });
      this.scheduleFlush(image);
    }
  }

  /** The exact number of people viewing each of the tenant's images this node holds viewers of. */
  viewersByImage(tenantId: string): Map<string, number> {
    const viewers = new Map<string, number>();
    for (const image of this.images.values()) {
      if (image.key.tenantId === tenantId) viewers.set(image.key.urlId, image.view().count);
    }
    return viewers;
  }

  /** Every tenant's images this node holds viewers of, with their exact counts (for usage flushes). */
  allViewers(): { tenantId: string; urlId: string; viewers: number }[] {
    return [...this.images.values()].map((image) => ({ ...image.key, viewers: image.view().count }));
  }

  close(): void {
    clearInterval(this.sweepTimer);
    for (const image of this.images.values()) if (image.flushTimer) clearTimeout(image.flushTimer);
    this.images.clear();
    this.connectionKeys = new WeakMap();
  }

  private typingArrived(image: ImagePresence, message: PresenceTypingBusMessage): void {
    const max = this.options.limits.PRESENCE_TYPING_MAX;
    if (message.typing) image.addTyping(message.from, message.typing, max);
    if (message.stoppedTyping) image.addStopped(message.from, message.stoppedTyping, max);
    this.scheduleFlush(image);
  }

  /** A viewer left: their typing ends with them. */
  private stopTypingOf(image: ImagePresence, connection: PresenceConnection, person: PresencePerson): void {
    const from = this.typerKey(connection, person);
    const typer = from === undefined ? undefined : image.typers.get(from);
    if (!typer || from === undefined) return;
    image.typers.delete(from);
    for (const chatId of typer.chats) {
      const message: PresenceTypingBusMessage = { presence: 'typing', node: this.options.nodeId, from, stoppedTyping: { id: this.typingId(image, person, from), chatId } };
      this.typingArrived(image, message);
      this.publish(image, message);
    }
  }

  /**
   * The id a typing entry carries: the person's own id when they are listed by name; otherwise an opaque key
   * for this image, so an anonymous guest's id (or anyone's, with presenceNames off) never reaches a client.
   */
  private typingId(image: ImagePresence, person: PresencePerson, key: string): string {
    const listedPerson = person.id !== null && person.name !== undefined && image.rules.presenceNames;
    if (listedPerson) return person.id!;
    return `t-${createHash('sha256').update(`${this.salt} ${image.topic} ${key}`).digest('base64url').slice(0, 16)}`;
  }

  /** Who a connection's typing is from, without making a key for a connection without identity that never typed. */
  private typerKey(connection: PresenceConnection, person: PresencePerson): string | undefined {
    return person.id ?? this.connectionKeys.get(connection);
  }

  /** Who a typing signal is from: the person's id, or (made when it first types) a key of a connection without identity. */
  private presenceKey(connection: PresenceConnection, person: PresencePerson): string {
    if (person.id !== null) return person.id;
    let key = this.connectionKeys.get(connection);
    if (key === undefined) {
      key = `#${this.options.nodeId}:${(this.nextConnectionKey += 1)}`;
      this.connectionKeys.set(connection, key);
    }
    return key;
  }

  /** The clock, made strictly increasing, so two joins in one millisecond keep their order in the list. */
  private joinTime(): number {
    this.lastJoinAt = Math.max(this.now(), this.lastJoinAt + 1);
    return this.lastJoinAt;
  }

  /** A flush within PRESENCE_FLUSH_MS (sooner than a crowd's waiting one, which it replaces). */
  private scheduleFlush(image: ImagePresence): void {
    this.scheduleFlushIn(image, this.options.limits.PRESENCE_FLUSH_MS);
  }

  private scheduleFlushIn(image: ImagePresence, delayMs: number): void {
    const dueAt = this.now() + delayMs;
    if (image.flushTimer && image.flushDueAt <= dueAt) return;
    if (image.flushTimer) clearTimeout(image.flushTimer);
    image.flushDueAt = dueAt;
    image.flushTimer = setTimeout(() => this.flush(image), delayMs);
    image.flushTimer.unref();
  }

  /**
   * How long a count-only change of the image may wait after the last one went out: PRESENCE_FLUSH_MS (no extra
   * wait) up to PRESENCE_CROWD_VIEWERS local viewers, then PRESENCE_FLUSH_MS per PRESENCE_CROWD_VIEWERS viewers,
   * up to PRESENCE_CROWD_FLUSH_MS: the node's count frames per second stay about flat as the crowd grows.
   */
  private countWindow(image: ImagePresence): number {
    const { PRESENCE_FLUSH_MS, PRESENCE_CROWD_VIEWERS, PRESENCE_CROWD_FLUSH_MS } = this.options.limits;
    const viewers = image.local.size;
    if (viewers <= PRESENCE_CROWD_VIEWERS) return PRESENCE_FLUSH_MS;
    return Math.min(PRESENCE_CROWD_FLUSH_MS, Math.round((PRESENCE_FLUSH_MS * viewers) / PRESENCE_CROWD_VIEWERS));
  }

  /**
   * Publishes this node's state if it changed, and sends the local subscribers what changed; for a crowd, a change
   * of the count alone waits for its window (the flush comes back then).
   */
  private flush(image: ImagePresence): void {
    image.flushTimer = null;
    if (this.images.get(image.topic) !== image) return;
    const now = this.now();
    const window = this.countWindow(image);
    const crowded = window > this.options.limits.PRESENCE_FLUSH_MS;
    const onlyCount = crowded && image.onlyCountChanged();
    const stateWait = this.publishStateIfDue(image, now, onlyCount && !image.stateAsked ? image.lastStateAt + window - now : 0);
    const framesWait = onlyCount ? image.lastFrameAt + window - now : 0;
    if (framesWait <= 0) this.sendChanges(image, now);
    const wait = Math.min(...[stateWait, framesWait].filter((ms) => ms > 0));
    if (Number.isFinite(wait)) this.scheduleFlushIn(image, wait);
  }

  /** Publishes the node's state of the image if it changed and `waitMs` is not positive; returns `waitMs` if it waits. */
  private publishStateIfDue(image: ImagePresence, now: number, waitMs: number): number {
    if (!image.localChanged) return 0;
    if (waitMs > 0) return waitMs;
    const { limits, nodeId } = this.options;
    image.localChanged = false;
    image.stateAsked = false;
    image.lastStateAt = now;
    image.nextHeartbeat = now + limits.PRESENCE_HEARTBEAT_MS;
    this.publish(image, image.localState(nodeId, limits.PRESENCE_STATE_PEOPLE_MAX));
    return 0;
  }

  /** Sends every local subscriber what changed for it: each distinct delta serialized once, a typer's own copy apart. */
  private sendChanges(image: ImagePresence, now: number): void {
    const { shared, fresh } = image.takeChanges(now);
    if (!image.rules.presence) return;
    const frames = new Map<PresenceChange, Buffer>();
    const typersOf = new Map<PresenceChange, Set<string>>();
    if (!shared) {
      // Only viewers who joined since the last frames can have anything to get: a heartbeat with nothing new does
      // not walk a crowd of 10,000 (which, every 5 s, was most of an idle node's allocation).
      fresh.forEach((change, connection) => {
        const person = image.local.get(connection);
        if (change && person) this.sendChange(connection, person, change, frames, typersOf);
      });
      return;
    }
    // forEach, not for…of: no entry array per viewer of a crowd.
    image.local.forEach((person, connection) => {
      const change = fresh.get(connection);
      const send = change === undefined ? shared : change;
      if (send) this.sendChange(connection, person, send, frames, typersOf);
    });
  }

  /** Sends one viewer `change`: the frame shared by everyone it is the same for, or its own without its own typing. */
  private sendChange(
    connection: PresenceConnection, person: PresencePerson, change: PresenceChange,
    frames: Map<PresenceChange, Buffer>, typersOf: Map<PresenceChange, Set<string>>,
  ): void {
    let typers = typersOf.get(change);
    if (!typers) typersOf.set(change, (typers = new Set([...change.typing, ...change.stopped].map((pending) => pending.from))));
    const from = typers.size > 0 ? this.typerKey(connection, person) : undefined;
    if (from !== undefined && typers.has(from)) {
      const own = withoutTypingOf(change, from);
      if (own) connection.deliverPresence(Buffer.from(JSON.stringify(own)));
      return;
    }
    let frame = frames.get(change);
    if (!frame) frames.set(change, (frame = Buffer.from(JSON.stringify(change.delta))));
    connection.deliverPresence(frame);
  }

  /** Heartbeats due, and node states that expired: every SWEEP_INTERVAL_MS (tests call it on their own clock). */
  sweep(): void {
    const now = this.now();
    for (const image of this.images.values()) {
      if (image.expire(now)) this.scheduleFlush(image);
      if (now >= image.nextHeartbeat) {
        image.localChanged = true;
        this.scheduleFlush(image);
      }
    }
  }

  /**
   * Presence rides the image's topic only while the bus is healthy: a publish that fails is dropped (the next
   * heartbeat carries the state), none is attempted during an outage, and each is `transient`, so presence never
   * takes the place of an event the bus keeps to republish.
   */
  private publish(image: ImagePresence, message: PresenceBusMessage): void {
    const { bus, log } = this.options;
    if (!bus.healthy) return;
    bus.publish(image.topic, encodePresenceMessage(message), { transient: true }).catch((error: unknown) => {
      if (log.isLevelEnabled('debug')) log.debug({ err: error, topic: image.topic.slice(0, 200) }, 'presence not published');
    });
  }
}

/**
 * A delta without the typing entries of one typer: what that person's own connections are sent; null when
 * nothing else is left in it for them.
 */
function withoutTypingOf(change: PresenceChange, key: string): PresenceDeltaMessage | null {
  const { typing: _typing, stoppedTyping: _stopped, ...rest } = change.delta;
  const typing = change.typing.filter((pending) => pending.from !== key).map((pending) => pending.entry);
  const stopped = change.stopped.filter((pending) => pending.from !== key).map((pending) => pending.entry);
  if (!change.countChanged && !rest.joined && !rest.left && typing.length === 0 && stopped.length === 0) return null;
  return { ...rest, ...(typing.length > 0 ? { typing } : {}), ...(stopped.length > 0 ? { stoppedTyping: stopped } : {}) };
}
