import { expect, test } from 'vitest';
import { isPrivateAddress, literalAddress } from '../../server/webhooks/address-guard.js';
import { isRetryable, retryDelay, DEFAULT_RETRY_DELAYS_MS } from '../../server/webhooks/retry-schedule.js';

test('loopback, private, link-local, shared, multicast and reserved addresses are private; public ones are not', () => {
  for (const address of [
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '198.18.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1', 'not an address',
    // Found by the hostile review: IPv4-compatible, IPv4-translated, local NAT64, 6to4, site-local and other non-global forms.
    '::7f00:1', '::a9fe:a9fe', '::ffff:0:7f00:1', '64:ff9b:1::7f00:1', '2002:7f00:1::', 'fec0::1', '3fff::1', '5f00::', '::2',
  ]) expect(isPrivateAddress(address), address).toBe(true);
  for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001::200e']) {
    expect(isPrivateAddress(address), address).toBe(false);
  }
});

test('a URL host is an address only when it is one, IPv6 without its brackets', () => {
  expect(literalAddress('[::1]')).toBe('::1');
  expect(literalAddress('127.0.0.1')).toBe('127.0.0.1');
  expect(literalAddress('example.com')).toBeNull();
  // WHATWG URL parsing turns other spellings of an address into the dotted form before the check.
  expect(literalAddress(new URL('http://0x7f000001/').hostname)).toBe('127.0.0.1');
  expect(literalAddress(new URL('http://017700000001/').hostname)).toBe('127.0.0.1');
});

test('retries: on no answer, 5xx, 408 and 429; delays spread ±20% and add up to about a day', () => {
  for (const status of [null, 500, 502, 503, 408, 429]) expect(isRetryable(status), String(status)).toBe(true);
  for (const status of [400, 401, 403, 404, 410, 422, 301, 302]) expect(isRetryable(status), String(status)).toBe(false);
  expect(retryDelay([1000], 1, 0)).toBe(800);
  expect(retryDelay([1000], 1, 0.999999)).toBe(1200);
  expect(retryDelay([1000], 2, 0.5)).toBeNull();
  const total = DEFAULT_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0);
  expect(total).toBeGreaterThan(20 * 3600_000);
  expect(total).toBeLessThan(28 * 3600_000);
});
