import { expect, test } from 'vitest';
import { ClientAddresses, addressKey, normalizeAddress } from '../../server/gateway/client-address.js';

test('normalizeAddress: IPv4-mapped IPv6 becomes IPv4; IPv6 gets one spelling; garbage is null', () => {
  expect(normalizeAddress('::ffff:1.2.3.4')).toBe('1.2.3.4');
  expect(normalizeAddress('::FFFF:7f00:1')).toBe('127.0.0.1');
  expect(normalizeAddress('203.0.113.9')).toBe('203.0.113.9');
  expect(normalizeAddress('2001:DB8::1')).toBe('2001:db8:0:0:0:0:0:1');
  expect(normalizeAddress('2001:db8:0:0::1')).toBe('2001:db8:0:0:0:0:0:1');
  expect(normalizeAddress('::1')).toBe('0:0:0:0:0:0:0:1');
  expect(normalizeAddress('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
  expect(normalizeAddress('unknown')).toBeNull();
  expect(normalizeAddress('1.2.3.4:80')).toBeNull();
  expect(normalizeAddress('')).toBeNull();
});

test('addressKey: IPv6 addresses of one /64 share a key; IPv4 addresses do not', () => {
  expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
  expect(addressKey('10.0.0.1')).toBe('10.0.0.1');
  expect(addressKey('10.0.0.2')).toBe('10.0.0.2');
});

test('without trusted proxies the peer is the client and X-Forwarded-For is ignored', () => {
  const addresses = new ClientAddresses([]);
  expect(addresses.of('203.0.113.9', '198.51.100.1')).toBe('203.0.113.9');
  expect(addresses.of('::ffff:203.0.113.9', undefined)).toBe('203.0.113.9');
  expect(addresses.of(undefined, '198.51.100.1')).toBe('unknown');
});

test('an untrusted peer cannot choose its address with X-Forwarded-For', () => {
  const addresses = new ClientAddresses(['10.0.0.0/8']);
  expect(addresses.of('203.0.113.9', '10.0.0.5, 1.1.1.1')).toBe('203.0.113.9');
});

test('a trusted peer: the right-most untrusted entry is the client, whatever the client put to its left', () => {
  const addresses = new ClientAddresses(['10.0.0.0/8', '192.0.2.1']);
  expect(addresses.of('10.0.0.2', '198.51.100.4')).toBe('198.51.100.4');
  // The client forged "1.1.1.1"; the proxy appended the address it really saw.
  expect(addresses.of('10.0.0.2', '1.1.1.1, 198.51.100.4')).toBe('198.51.100.4');
  // Two proxies: the inner one (192.0.2.1) appended the outer one's address.
  expect(addresses.of('10.0.0.2', '1.1.1.1, 198.51.100.4, 192.0.2.1')).toBe('198.51.100.4');
  // Several headers arrive as an array or joined with commas.
  expect(addresses.of('10.0.0.2', ['1.1.1.1', '198.51.100.4'])).toBe('198.51.100.4');
  // Ports and brackets as some proxies write them, IPv4-mapped forms.
  expect(addresses.of('::ffff:10.0.0.2', '198.51.100.4:51234')).toBe('198.51.100.4');
  expect(addresses.of('10.0.0.2', '[2001:db8::7]:443')).toBe('2001:db8:0:0:0:0:0:7');
  expect(addresses.of('10.0.0.2', '::ffff:198.51.100.4')).toBe('198.51.100.4');
});

test('a trusted peer without a usable header is itself the client', () => {
  const addresses = new ClientAddresses(['10.0.0.0/8']);
  expect(addresses.of('10.0.0.2', undefined)).toBe('10.0.0.2');
  expect(addresses.of('10.0.0.2', '')).toBe('10.0.0.2');
  // Only trusted hops: the left-most of them is the nearest known.
  expect(addresses.of('10.0.0.2', '10.0.0.9, 10.0.0.3')).toBe('10.0.0.9');
  // A malformed entry from a trusted hop: that hop.
  expect(addresses.of('10.0.0.2', '198.51.100.4, garbage, 10.0.0.3')).toBe('10.0.0.3');
});

test('trusted proxies may be IPv6 addresses and ranges, or IPv4-mapped ranges', () => {
  const addresses = new ClientAddresses(['fd00::/8', '::1', '::ffff:172.16.0.0/108']);
  expect(addresses.of('fd12::5', '198.51.100.4')).toBe('198.51.100.4');
  expect(addresses.of('::1', '198.51.100.4')).toBe('198.51.100.4');
  expect(addresses.of('172.16.3.4', '198.51.100.4')).toBe('198.51.100.4');
  expect(addresses.of('172.32.0.1', '198.51.100.4')).toBe('172.32.0.1');
  expect(addresses.of('fe80::5', '198.51.100.4')).toBe('fe80:0:0:0:0:0:0:5');
});
