/**
 * Budgets that refill over a minute, alone or one per key (a person, an address, a tenant), for the limits
 * that span connections. Keyed budgets that refilled to full are swept, so a stranger who shows up under many
 * keys leaves nothing behind once they go quiet.
 */

/**
 * A token bucket that holds `capacity` and refills `perMinute` a minute, charged in any unit (writes, bytes).
 * @example
 * const bytes = new MinuteBudget(256 * 1024);
 * if (bytes.wait(text.length) === 0) bytes.take(text.length);
 */
export class MinuteBudget {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(perMinute: number, private readonly capacity = perMinute, now = Date.now()) {
    this.tokens = capacity;
    this.last = now;
    this.perMs = perMinute / 60_000;
  }

  private refill(now: number): void {
    if (now > this.last) this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = Math.max(this.last, now);
  }

  /**
   * Milliseconds until `cost` can be taken; 0 when it can now. A full budget takes any single charge, so a
   * charge larger than the whole budget is not refused forever.
   */
  wait(cost: number, now = Date.now()): number {
    this.refill(now);
    if (this.tokens >= cost || this.tokens >= this.capacity) return 0;
    const needed = Math.min(cost, this.capacity) - this.tokens;
    return Math.max(1, Math.ceil(needed / this.perMs));
  }

  /** Takes `cost`; the budget may go below zero (an answer whose size is known only once it is built). */
  take(cost: number, now = Date.now()): void {
    this.refill(now);
    this.tokens -= cost;
  }

  /** Milliseconds until the budget is above zero again; 0 when it is now. */
  untilPositive(now = Date.now()): number {
    this.refill(now);
    return this.tokens > 0 ? 0 : Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }

  /** True when refilled to capacity: it remembers nothing and may be forgotten. */
  full(now = Date.now()): boolean {
    this.refill(now);
    return this.tokens >= this.capacity;
  }
}

/** One MinuteBudget per key (a string, or an object such as a connection's), made on first use and forgotten by `sweep` once full again. */
export class KeyedMinuteBudgets<Key = string> {
  private readonly budgets = new Map<Key, MinuteBudget>();

  constructor(private readonly perMinute: number, private readonly capacity = perMinute) {}

  /** The key's budget (a fresh, full one if it had none). */
  get(key: Key, now = Date.now()): MinuteBudget {
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = new MinuteBudget(this.perMinute, this.capacity, now);
      this.budgets.set(key, budget);
    }
    return budget;
  }

  /** Milliseconds until `cost` fits the key's budget, without making state for a key that has none. */
  wait(key: Key, cost: number, now = Date.now()): number {
    return this.budgets.get(key)?.wait(cost, now) ?? 0;
  }

  /** Milliseconds until the key's budget is above zero again, without making state for a key that has none. */
  untilPositive(key: Key, now = Date.now()): number {
    return this.budgets.get(key)?.untilPositive(now) ?? 0;
  }

  take(key: Key, cost: number, now = Date.now()): void {
    this.get(key, now).take(cost, now);
  }

  /** Forgets every budget that refilled to full. */
  sweep(now = Date.now()): void {
    for (const [key, budget] of this.budgets) if (budget.full(now)) this.budgets.delete(key);
  }

  /** Keys with a budget in memory (for tests and the sweep's proof). */
  get size(): number {
    return this.budgets.size;
  }
}
