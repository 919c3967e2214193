/** The per-address TCP connection count: one key per client (as the admission spells it), trusted proxies exempt, nothing kept at zero. */
import { expect, test } from 'vitest';
import { AddressConnections } from '../../server/http/address-connections.js';
import { ClientAddresses } from '../../server/gateway/client-address.js';

test('counts up to the cap per address, then refuses; a release makes room again', () => {
  const open = new AddressConnections(2, new ClientAddresses([]));
  expect(open.take('203.0.113.9')).toEqual({ verdict: 'counted', key: '203.0.113.9' });
  expect(open.take('203.0.113.9')).toEqual({ verdict: 'counted', key: '203.0.113.9' });
  expect(open.take('203.0.113.9')).toEqual({ verdict: 'full', key: '203.0.113.9' });
  expect(open.take('203.0.113.10')).toEqual({ verdict: 'counted', key: '203.0.113.10' });
  expect(open.count('203.0.113.9')).toBe(2);
  open.release('203.0.113.9');
  expect(open.take('203.0.113.9')).toEqual({ verdict: 'counted', key: '203.0.113.9' });
});

test('an IPv4-mapped IPv6 peer is its IPv4 address; IPv6 peers are counted per /64', () => {
  const open = new AddressConnections(2, new ClientAddresses([]));
  expect(open.take('::ffff:198.51.100.4')).toEqual({ verdict: 'counted', key: '198.51.100.4' });
  expect(open.take('198.51.100.4')).toEqual({ verdict: 'counted', key: '198.51.100.4' });
  expect(open.take('::ffff:198.51.100.4')).toEqual({ verdict: 'full', key: '198.51.100.4' });
  expect(open.take('2001:db8:1:2::1')).toEqual({ verdict: 'counted', key: '2001:db8:1:2::/64' });
  expect(open.take('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toEqual({ verdict: 'counted', key: '2001:db8:1:2::/64' });
  expect(open.take('2001:db8:1:2:aaaa::7')).toEqual({ verdict: 'full', key: '2001:db8:1:2::/64' });
  expect(open.take('2001:db8:1:3::1')).toEqual({ verdict: 'counted', key: '2001:db8:1:3::/64' });
});

test('trusted proxies and sockets without a peer are not counted', () => {
  const open = new AddressConnections(1, new ClientAddresses(['10.0.0.0/8', 'fd00::/8']));
  for (let i = 0; i < 5; i += 1) {
    expect(open.take('10.1.2.3')).toEqual({ verdict: 'exempt' });
    expect(open.take('::ffff:10.1.2.3')).toEqual({ verdict: 'exempt' });
    expect(open.take('fd00::5')).toEqual({ verdict: 'exempt' });
    expect(open.take(undefined)).toEqual({ verdict: 'exempt' });
  }
  expect(open.addressCount).toBe(0);
  expect(open.take('11.0.0.1')).toEqual({ verdict: 'counted', key: '11.0.0.1' });
  expect(open.take('11.0.0.1')).toEqual({ verdict: 'full', key: '11.0.0.1' });
});

test('an address is forgotten when its last connection closes', () => {
  const open = new AddressConnections(3, new ClientAddresses([]));
  for (let i = 0; i < 1000; i += 1) {
    const taken = open.take(`192.0.2.${i % 250}`);
    if (taken.verdict === 'counted') open.release(taken.key);
  }
  expect(open.addressCount).toBe(0);
  open.take('192.0.2.1');
  open.take('192.0.2.1');
  open.release('192.0.2.1');
  expect(open.addressCount).toBe(1);
  open.release('192.0.2.1');
  expect(open.addressCount).toBe(0);
  expect(open.count('192.0.2.1')).toBe(0);
});
