/** Live connections and images per tenant: a connection counts once per tenant, whatever it watches. */
import { expect, test } from 'vitest';
import { TenantPresence } from '../../server/metering/tenant-presence.js';

test('connections count once per tenant (as their first and last images say); images count distinct; changes are reported', () => {
  const presence = new TenantPresence();
  const changes: [string, number][] = [];
  presence.listen({ connections: (tenantId, current) => changes.push([tenantId, current]) });
  // Connection a watches acme/one, acme/two and beta/one; connection b watches acme/one.
  presence.add({ tenantId: 'acme', urlId: 'one' }, true);
  presence.add({ tenantId: 'acme', urlId: 'two' }, false);
  presence.add({ tenantId: 'beta', urlId: 'one' }, true);
  presence.add({ tenantId: 'acme', urlId: 'one' }, true);
  expect(presence.live('acme')).toEqual({ connections: 2, images: 2 });
  expect(presence.live('beta')).toEqual({ connections: 1, images: 1 });
  expect(presence.subscriptions).toBe(4);
  presence.remove({ tenantId: 'acme', urlId: 'one' }, false);
  expect(presence.live('acme')).toEqual({ connections: 2, images: 2 });
  presence.remove({ tenantId: 'acme', urlId: 'two' }, true);
  expect(presence.live('acme')).toEqual({ connections: 1, images: 1 });
  // Removing an image nobody watches changes nothing.
  presence.remove({ tenantId: 'gamma', urlId: 'one' }, true);
  presence.remove({ tenantId: 'acme', urlId: 'three' }, true);
  expect(presence.subscriptions).toBe(2);
  presence.remove({ tenantId: 'acme', urlId: 'one' }, true);
  expect([...presence.tenants()]).toEqual([['beta', { connections: 1, images: 1 }]]);
  expect(changes).toEqual([['acme', 1], ['beta', 1], ['acme', 2], ['acme', 1], ['acme', 0]]);
});
