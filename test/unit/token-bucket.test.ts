/** The per-connection token bucket: its burst, its refill at the rate, and rates below one token a millisecond. */
import { expect, test } from 'vitest';
import { TokenBucket } from '../../server/gateway/token-bucket.js';

const takes = (bucket: TokenBucket, now: number, count: number): number => {
  let taken = 0;
  for (let i = 0; i < count; i += 1) if (bucket.take(now)) taken += 1;
  return taken;
};

test('a full bucket gives its burst at once, then one token per 1/rate seconds', () => {
  const start = 1_700_000_000_000;
  const bucket = new TokenBucket(50, 150, start);
  expect(takes(bucket, start, 200)).toBe(150);
  expect(bucket.take(start + 19)).toBe(false); // 0.95 of a token
  expect(bucket.take(start + 20)).toBe(true);
  expect(takes(bucket, start + 1020, 100)).toBe(50);
});

test('a bucket refills to its burst, never past it', () => {
  const start = 1_700_000_000_000;
  const bucket = new TokenBucket(10, 20, start);
  expect(takes(bucket, start, 20)).toBe(20);
  expect(takes(bucket, start + 60_000, 100)).toBe(20);
});

test('a slow rate still refills when asked every millisecond', () => {
  const start = 1_700_000_000_000;
  const bucket = new TokenBucket(0.5, 1, start); // one token every 2 s
  expect(bucket.take(start)).toBe(true);
  let at = start;
  let taken = 0;
  for (; at <= start + 4_000; at += 1) if (bucket.take(at)) taken += 1;
  expect(taken).toBe(2); // at 2 s and at 4 s
});
