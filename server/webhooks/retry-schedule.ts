/**
 * When a delivery is tried again, and whether at all. Retried: no answer (timeout, refused or reset
 * connection), 5xx, 408 and 429; not retried: any other answer, 3xx included (redirects are not followed).
 * The default delays add up to about a day; each is spread by ±20% (jitter), so the deliveries of an endpoint
 * that was down do not all come back at the same second.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000,
];

export const isSuccess = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

export const isRetryable = (status: number | null): boolean => status === null || status >= 500 || status === 408 || status === 429;

/**
 * The delay before the next try after `attempts` tries that failed (1 after the first), or null when they are used up.
 * @param random a number in [0, 1) (Math.random)
 */
export function retryDelay(delays: readonly number[], attempts: number, random: number): number | null {
  const base = delays[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * (0.8 + 0.4 * random));
}
