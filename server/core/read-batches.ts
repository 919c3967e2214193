/**
 * Identical reads asked for at about the same time share one trip to the store: a crowd opening a popular image
 * (10,000 viewers after a page goes live) costs the store a few reads, not one per viewer, and the node holds a
 * few pending reads instead of thousands (issue 14: memory and connect time per subscriber).
 *
 * A read never shares one that had already started when it was asked for: it waits for the next one, which
 * starts when the running one ends and serves everyone who asked meanwhile. So every answer was read after it was
 * asked for, as if it had gone to the store alone; a subscriber registered with the topic hub before it asked,
 * so nothing written after its snapshot can pass it by (topic-hub.ts).
 *
 * The answers are shared between the callers of one read: they must not change them.
 *
 * @example
 * const batches = new ReadBatches<ReadResult>();
 * const result = await batches.read(`${topic}\u0000${since}\u0000${epoch}`, () => store.read(key, since, epoch));
 */
interface Waiting<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface Batch<T> {
  /** The callers who asked while this read was running: they share the next one. */
  next: Waiting<T> | null;
  /** How to read it (the first caller's: every caller of one id reads the same). */
  readonly read: () => Promise<T>;
}

export class ReadBatches<T> {
  private readonly running = new Map<string, Batch<T>>();

  /** Reads with `read`, or waits for the next read of the same `id` if one is running. */
  read(id: string, read: () => Promise<T>): Promise<T> {
    const joined = this.join(id);
    if (joined) return joined;
    const started: Batch<T> = { next: null, read };
    this.running.set(id, started);
    return this.start(id, started);
  }

  /**
   * The next read of `id` if one is running now, shared with the others who asked meanwhile; undefined when none
   * is (then `read`). Lets a crowd's callers skip making a read function each (issue 14: garbage per subscribe).
   */
  join(id: string): Promise<T> | undefined {
    const batch = this.running.get(id);
    return batch ? (batch.next ??= waiting<T>()).promise : undefined;
  }

  /** Reads in flight (for tests and metrics). */
  get size(): number {
    return this.running.size;
  }

  private start(id: string, batch: Batch<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = batch.read();
    } catch (error) {
      result = Promise.reject(error);
    }
    // When this read ends, the callers who came meanwhile get a read of their own (shared among them).
    const handOver = () => {
      const { next } = batch;
      if (!next) {
        this.running.delete(id);
        return;
      }
      batch.next = null;
      this.start(id, batch).then(next.resolve, next.reject);
    };
    result.then(handOver, handOver);
    return result;
  }
}

function waiting<T>(): Waiting<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}
