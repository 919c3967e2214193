/** Reconnect delays of the widget's connection. */

/**
 * The delay before reconnect attempt `attempt` (0-based): full jitter, uniformly random between `min` and
 * `min(max, min × 2^(attempt + 1))`, so a crowd of clients dropped at once does not return at once — the
 * first attempt included (0.5–1 s with the connection's defaults).
 */
export function backoffDelay(attempt: number, min: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt + 1, 30));
  return min + random() * Math.max(0, ceiling - min);
}
