/**
 * Group commit for both stores: items added while a batch of the same key is running wait, and then run
 * together as the next batch (at most `maxBatch` at a time), in the order they were added. Keys run
 * independently.
 * - PostgreSQL batches per image: under load, many writes to one image share one transaction and one commit
 *   instead of queueing for the image's row lock one by one.
 * - SQLite batches everything under one key with `gatherOneTurn`: the writes that arrive in one turn of the
 *   event loop share one IMMEDIATE transaction, so one fsync makes them all durable.
 *
 * @example
 * const batcher = new KeyedBatcher<Write, Outcome>(100, (key, writes) => storeAll(writes));
 * const outcome = await batcher.add('demo img', write);
 */
interface BatcherOptions {
  /** Wait one turn of the event loop before a key's first batch, so that items added in the same turn go together. */
  gatherOneTurn?: boolean;
}

export class KeyedBatcher<I, O> {
  private readonly waiting = new Map<string, { item: I; resolve(outcome: O): void; reject(error: unknown): void }[]>();
  private readonly running = new Map<string, Promise<void>>();

  /** @param runBatch answers one outcome per item, in order; if it throws, every item of the batch fails with it. */
  constructor(
    private readonly maxBatch: number,
    private readonly runBatch: (key: string, items: I[]) => Promise<O[]> | O[],
    private readonly options: BatcherOptions = {},
  ) {}

  add(key: string, item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(key) ?? [];
      queue.push({ item, resolve, reject });
      this.waiting.set(key, queue);
      if (!this.running.has(key)) this.running.set(key, this.runBatches(key));
    });
  }

  /** Resolves once every item added so far has been answered (a closing store waits for its last writes). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private async runBatches(key: string): Promise<void> {
    if (this.options.gatherOneTurn) await new Promise((resolve) => setImmediate(resolve));
    for (;;) {
      const queue = this.waiting.get(key);
      const batch = queue?.splice(0, this.maxBatch) ?? [];
      if (queue && queue.length === 0) this.waiting.delete(key);
      if (batch.length === 0) break;
      try {
        const outcomes = await this.runBatch(key, batch.map((entry) => entry.item));
        batch.forEach((entry, index) => entry.resolve(outcomes[index]!));
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.running.delete(key);
  }
}
