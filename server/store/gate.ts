/**
 * Lets at most `concurrency` tasks run at once; the rest wait in order, each at most `maxWaitMs`, and no more
 * than `maxWaiting` wait at all (beyond that a task is refused at once). In front of a connection pool it
 * turns a burst (every client of a node resubscribing after a Redis outage) into a queue that drains at the
 * database's pace, instead of thousands of callers timing out inside the pool.
 *
 * @example
 * const gate = new Gate({ concurrency: 8, maxWaiting: 50_000, maxWaitMs: 15_000 });
 * const rows = await gate.run(() => pool.query(sql));
 */
export class GateBusyError extends Error {}

interface GateOptions {
  concurrency: number;
  maxWaiting: number;
  maxWaitMs: number;
}

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

export class Gate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: GateOptions) {}

  get queued(): number {
    return this.waiting.length;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.options.concurrency) return this.start(task);
    if (this.waiting.length >= this.options.maxWaiting) return Promise.reject(new GateBusyError('store busy: too many queued requests'));
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          this.start(task).then(resolve, reject);
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(new GateBusyError(`store busy: waited ${this.options.maxWaitMs} ms`));
        }, this.options.maxWaitMs),
      };
      waiter.timer.unref();
      this.waiting.push(waiter);
    });
  }

  private async start<T>(task: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.start();
    }
  }
}
