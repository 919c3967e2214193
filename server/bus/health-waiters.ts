/**
 * Callers waiting for a Redis bus to be healthy (start-up waits a few seconds, then goes on unready), each
 * with its own time limit. Shared by the single-Redis and the Redis Cluster bus.
 */
export class HealthWaiters {
  private waiters: (() => void)[] = [];

  /**
   * Resolves true at the next `release()`, or false after `timeoutMs`.
   * @example if (!(await waiters.wait(5000))) log.warn('starting unready');
   */
  wait(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.waiters.push(done);
    });
  }

  /** The bus is healthy: every waiter resolves true. */
  release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
