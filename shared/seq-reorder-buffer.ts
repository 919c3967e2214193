/**
 * The seq reorder buffer: puts one image's events back in seq order, each once. Both the server's topic hub
 * (events from the bus, possibly out of order or missing) and the widget's image store (events from the
 * socket) use it; what they do with a persisting gap differs (the hub reads the store's log, the widget
 * resubscribes with `since`), so that is theirs to say in `onGap`.
 *
 * Items are held by seq while an earlier seq is missing; `offer` and `moveTo` hand back the run that can be
 * applied now, in order. A gap is a held item beyond the next seq, or a seq known to exist (`learn`) that has
 * not arrived: while one lasts `gapWaitMs`, `onGap` is called.
 */

export interface SeqReorderOptions {
  /** How long a gap may last before `onGap` is called. */
  gapWaitMs: number;
  /** The buffer has been behind for `gapWaitMs` and still is. */
  onGap(): void;
}

/**
 * @example
 * const order = new SeqReorderBuffer<ImageEvent>({ gapWaitMs: 1000, onGap: () => resubscribe() });
 * for (const event of order.moveTo(snapshot.seq)) apply(event);   // where the snapshot stands
 * for (const event of order.offer(event.seq, event)) apply(event); // each event as it arrives
 */
export class SeqReorderBuffer<T> {
  #lastSeq: number | null = null;
  #knownSeq = 0;
  #held = new Map<number, T>();
  #gapTimer: ReturnType<typeof setTimeout> | null = null;

  readonly #options: SeqReorderOptions;

  constructor(options: SeqReorderOptions) {
    this.#options = options;
  }

  /** The last seq handed out in order (or moved to); null until the first `moveTo`. */
  get last(): number | null {
    return this.#lastSeq;
  }

  /** Behind: items wait for a missing seq, or a seq known to exist has not arrived. */
  get behind(): boolean {
    return this.#lastSeq !== null && (this.#held.size > 0 || this.#knownSeq > this.#lastSeq);
  }

  /**
   * The seqs a gap spans, `after < seq ≤ upTo` (to be read from a log), or null when not behind.
   * `upTo` covers every held item and every seq known to exist.
   */
  gap(): { after: number; upTo: number } | null {
    if (this.#lastSeq === null) return null;
    let upTo = this.#knownSeq;
    for (const seq of this.#held.keys()) if (seq > upTo) upTo = seq;
    return upTo > this.#lastSeq ? { after: this.#lastSeq, upTo } : null;
  }

  /**
   * Takes the item of `seq` and returns what can be applied now, in seq order: nothing while an earlier seq
   * is missing or before the first `moveTo`. A seq at or below `last`, or already held, is dropped.
   */
  offer(seq: number, item: T): T[] {
    if (seq > this.#knownSeq) this.#knownSeq = seq;
    if (this.#lastSeq !== null && seq <= this.#lastSeq) return [];
    if (!this.#held.has(seq)) this.#held.set(seq, item);
    const run = this.#release();
    this.checkGap();
    return run;
  }

  /**
   * Sets where the state stands (a snapshot or the end of a replay at `seq`, forwards or, for a new epoch,
   * backwards): held items at or below it are dropped, and the run that follows it is returned.
   */
  moveTo(seq: number): T[] {
    this.#lastSeq = seq;
    for (const heldSeq of [...this.#held.keys()]) if (heldSeq <= seq) this.#held.delete(heldSeq);
    const run = this.#release();
    this.checkGap();
    return run;
  }

  /** `seq` exists (the writer's ack, this node stored it, the store's head): if it does not arrive, that is a gap. */
  learn(seq: number): void {
    if (seq <= this.#knownSeq) return;
    this.#knownSeq = seq;
    this.checkGap();
  }

  /** Seqs above `seq` are not known to exist after all (the image's history was recreated at `seq`). */
  forgetAbove(seq: number): void {
    if (this.#knownSeq > seq) this.#knownSeq = seq;
    this.checkGap();
  }

  /** Stops the gap timer (the buffer can be used again; its next change re-arms it). */
  pause(): void {
    if (this.#gapTimer) clearTimeout(this.#gapTimer);
    this.#gapTimer = null;
  }

  /** The run of held items that now follows `last`, taken out of the buffer. */
  #release(): T[] {
    const run: T[] = [];
    if (this.#lastSeq === null) return run;
    for (let next = this.#lastSeq + 1; this.#held.has(next); next += 1) {
      run.push(this.#held.get(next)!);
      this.#held.delete(next);
      this.#lastSeq = next;
    }
    return run;
  }

  /** Arms the gap timer while behind, disarms it once caught up. */
  checkGap(): void {
    if (!this.behind) return this.pause();
    if (this.#gapTimer) return;
    const timer = setTimeout(() => {
      this.#gapTimer = null;
      if (this.behind) this.#options.onGap();
    }, this.#options.gapWaitMs);
    // In Node, a gap timer must not keep a closing process alive; browsers' timers have no such handle.
    (timer as { unref?: () => void }).unref?.();
    this.#gapTimer = timer;
  }
}
