/**
 * A token bucket: `rate` tokens a second, holding at most `burst`. Used for per-connection rate limits.
 *
 * Every connection has one, so its state is two small integers: thousandths of a token (a millisecond at `rate`
 * per second refills exactly `rate` of them) and the time in `millisSinceStart`. V8
 * keeps small integers in the object itself; a fraction or a `Date.now()` would each be a boxed number per
 * connection (issue 14: memory per idle connection).
 */
import { millisSinceStart } from './millis-since-start.js';

const MILLI = 1000;

export class TokenBucket {
  /** Thousandths of a token. */
  private milliTokens: number;
  /** `millisSinceStart` when `milliTokens` was counted. */
  private at: number;

  constructor(private readonly rate: number, private readonly burst: number, now = Date.now()) {
    this.milliTokens = burst * MILLI;
    this.at = millisSinceStart(now);
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    const at = millisSinceStart(now);
    const cap = this.burst * MILLI;
    // A rate below one token a millisecond refills nothing in a short gap: the gap is kept until it refills a
    // thousandth (what a refill rounds away is below a thousandth of a token).
    const refill = Math.floor(Math.max(0, at - this.at) * this.rate);
    if (refill > 0 || this.milliTokens >= cap) {
      this.milliTokens = Math.min(cap, this.milliTokens + refill);
      this.at = at;
    }
    if (this.milliTokens < MILLI) return false;
    this.milliTokens -= MILLI;
    return true;
  }
}
