/**
 * Milliseconds since this module loaded, as a small integer: per-connection state (a rate limit's last refill)
 * keeps it inside the object, where a `Date.now()` or a fraction would be a boxed number per connection (issue 14).
 */
const START = Date.now();

/** `now` (a `Date.now()`) as whole milliseconds since the module loaded. */
export const millisSinceStart = (now: number): number => Math.floor(now - START);
