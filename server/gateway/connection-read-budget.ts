/**
 * A connection's own read budget (READ_BYTES_PER_MINUTE of snapshots and replays, refilled over a minute) kept as
 * two small integers on the connection itself: the bytes it still owes, and when that was counted.
 *
 * It was a budget object in a node-wide map, made by a connection's first subscribe and swept once full again.
 * Each lived until the next sweep, long enough to be promoted to the old generation, and then died there: with
 * the map's regrown tables, about 0.2 KiB of garbage per connection of a crowd's arrival that no minor GC could
 * collect (issue 14: RSS per connection). Two integer fields cost an idle connection less than that map entry.
 *
 * @example
 * const holder = { readOwed: 0, readOwedAt: 0 };
 * if (untilReadBudgetPositive(holder, perMinute) === 0) chargeReadBudget(holder, perMinute, answer.bytes);
 */
import { millisSinceStart } from './millis-since-start.js';

export interface ReadBudgetState {
  /** Bytes read beyond what has refilled since `readOwedAt` (0: a full budget). */
  readOwed: number;
  /** `millisSinceStart` when `readOwed` was counted (a small integer, not a boxed `Date.now()`). */
  readOwedAt: number;
}

/** What the connection owes now, after refilling `perMinute` a minute since it was counted. */
function owedNow(state: ReadBudgetState, perMinute: number, now: number): number {
  if (state.readOwed === 0) return 0;
  const refilled = Math.floor((Math.max(0, millisSinceStart(now) - state.readOwedAt) * perMinute) / 60_000);
  return Math.max(0, state.readOwed - refilled);
}

/**
 * Milliseconds until the budget is above zero again (it owes less than a whole minute's worth); 0 when it is now.
 * A budget may be overdrawn by one answer, whose size is known only once it is built.
 */
export function untilReadBudgetPositive(state: ReadBudgetState, perMinute: number, now = Date.now()): number {
  const owed = owedNow(state, perMinute, now);
  return owed < perMinute ? 0 : Math.max(1, Math.ceil(((owed - perMinute + 1) * 60_000) / perMinute));
}

/** Charges `bytes` (an answer about to be sent). */
export function chargeReadBudget(state: ReadBudgetState, perMinute: number, bytes: number, now = Date.now()): void {
  state.readOwed = owedNow(state, perMinute, now) + bytes;
  state.readOwedAt = millisSinceStart(now);
}
