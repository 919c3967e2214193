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
import { SeqReorderBuffer, eventToWire, imageTopic, type ImageEvent, type ImageKey } from '../../shared/index.js';
import type { WriteObserver } from '../core/service.js';

/** A subscriber's `floor` until its snapshot was sent: its events are held back. */
export const HOLDING = -1;

export interface Subscriber {
  key: ImageKey;
  /**
   * Seq of the last event this subscriber has (from its snapshot or replay, or delivered since); HOLDING (-1)
   * from registration until `goLive`, while its snapshot is being read and its events are held back.
   */
  floor: number;
  /** Events held back while the snapshot is read; null when none are (made on the first: an idle one holds none). */
  held: { seq: number; frame: Buffer }[] | null;
  /** `frame` is the event's UTF-8 bytes, encoded once per node and shared by every subscriber. */
  deliver(frame: Buffer, seq: number): void;
  resync(): void;
}

interface TopicState {
  topic: string;
  key: ImageKey;
  subscribers: Set<Subscriber>;
  /** The topic's events in seq order; its `last` is null until the first snapshot tells where the image stands. */
  order: SeqReorderBuffer<Buffer>;
  /** While the bus subscription of the topic is being made: settles once it is active (or its attempt failed). */
  opened: Promise<void> | null;
}

interface TopicHubOptions {
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

/**
 * @example
 * const hub = new TopicHub({ gapWaitMs, fetchEvents, onTopicOpened, onTopicClosed, onError });
 * service.observe(hub);                         // learns each seq this node stores
 * await hub.add(topic, subscriber);             // before the snapshot is read
 * hub.goLive(topic, subscriber, snapshotSeq);   // after it is sent
 * hub.eventArrived(topic, seq, frame);          // from the bus handler
 */
export class TopicHub implements WriteObserver {
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
      if (state.order.last === null) return;
      const seq = await probe(state.key);
      state.order.learn(seq);
    })).catch(this.options.onError).finally(() => { this.probing = false; });
  }

  get topicCount(): number {
    return this.topics.size;
  }

  /**
   * The image's topic and key as this node already holds them, when it has subscribers of it: a new subscriber
   * keeps these instead of its own copies, parsed from its frame (issue 14: memory per idle connection).
   */
  held(topic: string): { readonly topic: string; readonly key: ImageKey } | undefined {
    return this.topics.get(topic);
  }

  /**
   * Registers a subscriber (held until `goLive`). While the topic is being subscribed on the bus, returns a
   * promise of that (its snapshot must be read after it); nothing once it is, so a crowd's subscribes to a
   * watched image wait for nothing here (issue 14: a promise per subscribe).
   */
  add(topic: string, subscriber: Subscriber): Promise<void> | undefined {
    let state = this.topics.get(topic);
    if (!state) {
      const opening = this.openTopic(topic, subscriber.key);
      opening.subscribers.add(subscriber);
      const opened = this.options.onTopicOpened(topic);
      // Later subscribers wait for this attempt (not its outcome) before they read their snapshot.
      const settled = (): void => { opening.opened = null; };
      opening.opened = opened.then(settled, settled);
      return opened;
    }
    state.subscribers.add(subscriber);
    // The topic may still be being subscribed on the bus: reading a snapshot before that could miss events.
    return state.opened ?? undefined;
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
    const topicLast = state?.order.last ?? null;
    const missed = topicLast !== null && topicLast > seq && (held.length === 0 || held[0]!.seq > seq + 1);
    for (const item of held) this.deliverTo(subscriber, item.frame, item.seq);
    if (missed) subscriber.resync();
    if (!state) return;
    if (state.order.last === null) this.deliverRun(state, state.order.moveTo(seq));
    state.order.learn(seq);
  }

  remove(topic: string, subscriber: Subscriber): void {
    const state = this.topics.get(topic);
    if (!state || !state.subscribers.delete(subscriber)) return;
    if (state.subscribers.size > 0) return;
    state.order.pause();
    this.topics.delete(topic);
    this.options.onTopicClosed(topic).catch(this.options.onError);
  }

  /** An event arrived from the bus: its serialized frame and seq. */
  eventArrived(topic: string, seq: number, frame: Buffer): void {
    const state = this.topics.get(topic);
    if (!state) return;
    this.deliverRun(state, state.order.offer(seq, frame));
  }

  /**
   * Write observer (`service.observe(hub)`): this node stored the event, so its seq exists; if the event does
   * not arrive over the bus, it is read from the store.
   */
  written(event: ImageEvent): void {
    this.learnSeq(imageTopic(event), event.seq);
  }

  private learnSeq(topic: string, seq: number): void {
    this.topics.get(topic)?.order.learn(seq);
  }

  /** Tells every subscriber of every topic to resync (the bus lost messages). */
  resyncAll(): void {
    for (const state of this.topics.values()) for (const subscriber of state.subscribers) subscriber.resync();
  }

  /** Tells the subscribers of these topics to resync (the bus lost messages of these topics only). */
  resyncTopics(topics: readonly string[]): void {
    for (const topic of topics) {
      const state = this.topics.get(topic);
      if (state) for (const subscriber of state.subscribers) subscriber.resync();
    }
  }

  close(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    for (const state of this.topics.values()) state.order.pause();
    this.topics.clear();
  }

  private deliverTo(subscriber: Subscriber, frame: Buffer, seq: number): void {
    if (subscriber.floor === HOLDING) {
      (subscriber.held ??= []).push({ seq, frame });
      return;
    }
    if (seq <= subscriber.floor) return; // already in its snapshot or replay
    subscriber.floor = seq;
    subscriber.deliver(frame, seq);
  }

  private openTopic(topic: string, key: ImageKey): TopicState {
    const state: TopicState = {
      topic,
      key,
      subscribers: new Set(),
      order: new SeqReorderBuffer<Buffer>({
        gapWaitMs: this.options.gapWaitMs,
        onGap: () => { this.fillGap(topic, state).catch(this.options.onError); },
      }),
      opened: null,
    };
    this.topics.set(topic, state);
    return state;
  }

  /** Hands a run of events, in seq order, to every subscriber of the topic. */
  private deliverRun(state: TopicState, run: readonly Buffer[]): void {
    if (run.length === 0) return;
    let seq = state.order.last! - run.length;
    for (const frame of run) {
      seq += 1;
      for (const subscriber of state.subscribers) this.deliverTo(subscriber, frame, seq);
    }
  }

  /** The gap lasted GAP_WAIT_MS: reads it from the store's log, or, if the log no longer has it, skips it. */
  private async fillGap(topic: string, state: TopicState): Promise<void> {
    const gap = state.order.gap();
    if (this.topics.get(topic) !== state || gap === null) return;
    const events = await this.options.fetchEvents(state.key, gap.after, gap.upTo);
    if (this.topics.get(topic) !== state) return;
    if (state.order.last !== gap.after) return state.order.checkGap();
    if (events) {
      for (const event of events) this.deliverRun(state, state.order.offer(event.seq, Buffer.from(JSON.stringify(eventToWire(event)))));
    } else {
      // The log no longer holds the gap: skip it (delivering what arrived beyond it meanwhile), and have every
      // subscriber take a fresh snapshot.
      this.deliverRun(state, state.order.moveTo(gap.upTo));
      for (const subscriber of state.subscribers) subscriber.resync();
    }
    state.order.checkGap();
  }
}
