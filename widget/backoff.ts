/** Reconnect delays of the widget's connection. */

/**
 * The delay before reconnect attempt `attempt` (0-based): full jitter, uniformly random between `min` and
 * `min(max, min × 2^attempt)`, so a crowd of clients dropped at once does not return at once.
 */
export function backoffDelay(attempt: number, min: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return min + random() * Math.max(0, ceiling - min);
}
