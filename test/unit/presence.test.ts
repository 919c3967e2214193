/** Live connections and images per tenant: a connection counts once per tenant, whatever it watches. */
import { expect, test } from 'vitest';
import { TenantPresence } from '../../server/metering/tenant-presence.js';

test('connections count once per tenant; images count distinct; changes are reported', () => {
  const presence = new TenantPresence();
  const changes: [string, number][] = [];
  presence.listen({ connections: (tenantId, current) => changes.push([tenantId, current]) });
  const a = {};
  const b = {};
  presence.add(a, { tenantId: 'acme', urlId: 'one' });
  presence.add(a, { tenantId: 'acme', urlId: 'two' });
  presence.add(a, { tenantId: 'beta', urlId: 'one' });
  presence.add(b, { tenantId: 'acme', urlId: 'one' });
  expect(presence.live('acme')).toEqual({ connections: 2, images: 2 });
  expect(presence.live('beta')).toEqual({ connections: 1, images: 1 });
  expect(presence.subscriptions).toBe(4);
  presence.remove(a, { tenantId: 'acme', urlId: 'one' });
  expect(presence.live('acme')).toEqual({ connections: 2, images: 2 });
  presence.remove(a, { tenantId: 'acme', urlId: 'two' });
  expect(presence.live('acme')).toEqual({ connections: 1, images: 1 });
  // Removing what was never added changes nothing.
  presence.remove(b, { tenantId: 'beta', urlId: 'one' });
  presence.remove({}, { tenantId: 'acme', urlId: 'one' });
  expect(presence.subscriptions).toBe(2);
  presence.remove(b, { tenantId: 'acme', urlId: 'one' });
  expect([...presence.tenants()]).toEqual([['beta', { connections: 1, images: 1 }]]);
  expect(changes).toEqual([['acme', 1], ['beta', 1], ['acme', 2], ['acme', 1], ['acme', 0]]);
});
