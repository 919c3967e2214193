/**
 * This node's subscriptions, by image topic, and the ordering of what it fans out.
 *
 * Events reach the hub from the bus, possibly out of seq order (two nodes publish seq 7 and 8 of one image
 * in either order) or with one lost (a Redis outage). Per topic the hub delivers in seq order only: it
 * buffers a run that arrives early, and when the missing seq does not arrive within GAP_WAIT_MS it reads it
 * from the store's event log. If the log no longer has it, the subscribers are told to resync.
 *
 * A subscription is registered before its snapshot is read (so nothing falls between them); until the
 * snapshot is sent, its events are held back, and afterwards events at or below its snapshot seq are skipped.
 */
import type { ImageEvent, ImageKey } from '../../shared/index.js';

export interface Subscriber {
  key: ImageKey;
  /** Seq of the last event this subscriber has (from its snapshot or replay, or delivered since). */
  floor: number;
  /** Events delivered while the snapshot is being read; null once live. */
  held: { seq: number; frame: Buffer }[] | null;
  /** `frame` is the event's UTF-8 bytes, encoded once per node and shared by every subscriber. */
  deliver(frame: Buffer, seq: number): void;
  resync(): void;
}

interface TopicState {
  key: ImageKey;
  subscribers: Set<Subscriber>;
  /** Last seq delivered in order; null until the first snapshot tells where the image stands. */
  lastSeq: number | null;
  /** Highest seq known to exist (from snapshots or early events). */
  knownSeq: number;
  early: Map<number, Buffer>;
  gapTimer: NodeJS.Timeout | null;
  /** Settles once the bus subscription of the topic is active (or its attempt failed). */
  opened: Promise<void>;
}

export interface TopicHubOptions {
  gapWaitMs: number;
  /** Reads events after < seq ≤ upTo from the store, or null if no longer kept. */
  fetchEvents(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null>;
  /** The first local subscriber of a topic arrived / the last left. */
  onTopicOpened(topic: string): Promise<void>;
  onTopicClosed(topic: string): Promise<void>;
  onError(error: unknown): void;
  /**
   * Reads an image's current seq from the store. With it, the hub probes its topics in turns (`probeBatch`
   * every `probeIntervalMs`), so an event that was stored but never published — its node died between
   * commit and publish — still reaches subscribers on other nodes, without waiting for the image's next write.
   */
  probeSeq?(key: ImageKey): Promise<number>;
  probeIntervalMs?: number;
  probeBatch?: number;
}

export class TopicHub {
  private readonly topics = new Map<string, TopicState>();
  private readonly probeTimer: NodeJS.Timeout | null = null;
  /** Where the next probe round starts, as a position in the topic map's order. */
  private probeCursor = 0;
  private probing = false;

  constructor(private readonly options: TopicHubOptions) {
    if (options.probeSeq && options.probeIntervalMs) {
      this.probeTimer = setInterval(() => this.probeRound(), options.probeIntervalMs);
      this.probeTimer.unref();
    }
  }

  private probeRound(): void {
    const probe = this.options.probeSeq;
    if (!probe || this.probing || this.topics.size === 0) return;
    const all = [...this.topics.entries()];
    const batch = Math.min(this.options.probeBatch ?? 100, all.length);
    const start = this.probeCursor % all.length;
    const round = Array.from({ length: batch }, (_, i) => all[(start + i) % all.length]!);
    this.probeCursor = start + batch;
    this.probing = true;
    Promise.all(round.map(async ([topic, state]) => {
      if (state.lastSeq === null) return;
      const seq = await probe(state.key);
      this.noteSeq(topic, seq);
    })).catch(this.options.onError).finally(() => { this.probing = false; });
  }

  get topicCount(): number {
    return this.topics.size;
  }

  /** Registers a subscriber (held until `goLive`). Resolves once the topic is subscribed on the bus. */
  async add(topic: string, subscriber: Subscriber): Promise<void> {
    let state = this.topics.get(topic);
    if (!state) {
      state = { key: subscriber.key, subscribers: new Set(), lastSeq: null, knownSeq: 0, early: new Map(), gapTimer: null, opened: Promise.resolve() };
      this.topics.set(topic, state);
      state.subscribers.add(subscriber);
      const opened = this.options.onTopicOpened(topic);
      // Later subscribers wait for this attempt (not its outcome) before they read their snapshot.
      state.opened = opened.catch(() => undefined);
      await opened;
      return;
    }
    state.subscribers.add(subscriber);
    // The topic may still be being subscribed on the bus: reading a snapshot before that could miss events.
    await state.opened;
  }

  /** The subscriber's snapshot (at `seq`) was sent: release what was held back after it. */
  goLive(topic: string, subscriber: Subscriber, seq: number): void {
    const held = subscriber.held ?? [];
    subscriber.held = null;
    subscriber.floor = seq;
    const state = this.topics.get(topic);
    // What was held is a gap-free run the topic delivered since this subscriber registered. If the topic is
    // already past the snapshot and that run does not start right after it, some events went by unseen:
    // that happens when another subscriber's newer snapshot set the topic's start while this one's read was
    // still running. The subscriber then resyncs instead of silently missing them.
    const missed = state?.lastSeq != null && state.lastSeq > seq && (held.length === 0 || held[0]!.seq > seq + 1);
    for (const item of held) this.deliverTo(subscriber, item.frame, item.seq);
    if (missed) subscriber.resync();
    if (!state) return;
    if (state.lastSeq === null) {
      state.lastSeq = seq;
      for (const early of [...state.early.keys()]) if (early <= seq) state.early.delete(early);
      this.drain(topic, state);
    }
    if (seq > state.knownSeq) state.knownSeq = seq;
    this.checkGap(topic, state);
  }

  remove(topic: string, subscriber: Subscriber): void {
    const state = this.topics.get(topic);
    if (!state || !state.subscribers.delete(subscriber)) return;
    if (state.subscribers.size > 0) return;
    if (state.gapTimer) clearTimeout(state.gapTimer);
    this.topics.delete(topic);
    this.options.onTopicClosed(topic).catch(this.options.onError);
  }

  /** An event from the bus: its serialized frame and seq. */
  publish(topic: string, seq: number, frame: Buffer): void {
    const state = this.topics.get(topic);
    if (!state) return;
    if (seq > state.knownSeq) state.knownSeq = seq;
    if (state.lastSeq !== null && seq <= state.lastSeq) return; // already delivered
    state.early.set(seq, frame);
    if (state.lastSeq === null) return;
    this.drain(topic, state);
    this.checkGap(topic, state);
  }

  /** A seq known to exist (this node stored it): if it does not arrive over the bus, it is read from the store. */
  noteSeq(topic: string, seq: number): void {
    const state = this.topics.get(topic);
    if (!state || seq <= state.knownSeq) return;
    state.knownSeq = seq;
    this.checkGap(topic, state);
  }

  /** Tells every subscriber of every topic to resync (the bus lost messages). */
  resyncAll(): void {
    for (const state of this.topics.values()) for (const subscriber of state.subscribers) subscriber.resync();
  }

  close(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    for (const state of this.topics.values()) if (state.gapTimer) clearTimeout(state.gapTimer);
    this.topics.clear();
  }

  private deliverTo(subscriber: Subscriber, frame: Buffer, seq: number): void {
    if (subscriber.held) {
      subscriber.held.push({ seq, frame });
      return;
    }
    if (seq <= subscriber.floor) return; // already in its snapshot or replay
    subscriber.floor = seq;
    subscriber.deliver(frame, seq);
  }

  private drain(topic: string, state: TopicState): void {
    if (state.lastSeq === null) return;
    for (let next = state.lastSeq + 1; state.early.has(next); next += 1) {
      const frame = state.early.get(next)!;
      state.early.delete(next);
      state.lastSeq = next;
      for (const subscriber of state.subscribers) this.deliverTo(subscriber, frame, next);
    }
  }

  private checkGap(topic: string, state: TopicState): void {
    const behind = state.lastSeq !== null && (state.early.size > 0 || state.knownSeq > state.lastSeq);
    if (!behind) {
      if (state.gapTimer) clearTimeout(state.gapTimer);
      state.gapTimer = null;
      return;
    }
    if (state.gapTimer) return;
    state.gapTimer = setTimeout(() => {
      state.gapTimer = null;
      this.fillGap(topic, state).catch(this.options.onError);
    }, this.options.gapWaitMs);
    state.gapTimer.unref();
  }

  private async fillGap(topic: string, state: TopicState): Promise<void> {
    if (this.topics.get(topic) !== state || state.lastSeq === null) return;
    const from = state.lastSeq;
    const upTo = Math.max(state.knownSeq, ...state.early.keys());
    if (upTo <= from) return;
    const events = await this.options.fetchEvents(state.key, from, upTo);
    if (this.topics.get(topic) !== state || state.lastSeq !== from) return this.checkGap(topic, state);
    if (events) {
      for (const event of events) if (!state.early.has(event.seq)) state.early.set(event.seq, Buffer.from(JSON.stringify(event)));
      this.drain(topic, state);
    } else {
      // The log no longer holds the gap: skip it, and have every subscriber take a fresh snapshot.
      state.lastSeq = upTo;
      for (const seq of [...state.early.keys()]) if (seq <= upTo) state.early.delete(seq);
      for (const subscriber of state.subscribers) subscriber.resync();
    }
    this.checkGap(topic, state);
  }
}
