/**
 * Runs async tasks one at a time per key, in the order they were queued; tasks of different keys run
 * concurrently. A failed task does not stop the ones queued after it.
 *
 * @example
 * const queue = new KeyedQueue();
 * queue.run('demo img', () => store.writeNow(...)); // waits for earlier writes to the same image
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(() => {}, () => {});
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
