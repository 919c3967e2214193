/**
 * The usage part of the store contract (metering, docs/dashboard.md): additive, atomic and at-most-once
 * flushes from several nodes sharing one database. Registered by `storeContract` for every backend.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { Store, UsageFlush } from '../../server/store/types.js';
import type { StoreBackend } from './store.contract.js';

function flush(nodeId: string, parts: Partial<UsageFlush>): UsageFlush {
  const at = Date.now();
  return { id: randomUUID(), nodeId, at, tenants: [], images: [], peaks: [], presence: [], liveSince: at - 10_000, liveDay: '2026-11-20', ...parts };
}

async function openTwo(backend: StoreBackend): Promise<[Store, Store]> {
  const database = await backend.fresh();
  const a = await database.open();
  await a.createTenant({ id: 'acme', name: 'Acme', origins: [], secretHash: 'hash-acme' });
  const b = await database.open();
  return [a, b];
}

export function usageContract(backend: StoreBackend): void {
  describe('usage', () => {
    test('counts from two nodes add up per tenant and day; the peak is the largest node peak', async () => {
      const [a, b] = await openTwo(backend);
      await a.addUsage(flush('n1', {
        tenants: [{ tenantId: 'acme', day: '2026-11-20', messages: 3, bytes: 300, conversations: 1 }],
        peaks: [{ tenantId: 'acme', day: '2026-11-20', peak: 4 }],
      }));
      await b.addUsage(flush('n2', {
        tenants: [{ tenantId: 'acme', day: '2026-11-20', messages: 5, bytes: 1000, conversations: 2 }, { tenantId: 'acme', day: '2026-11-21', messages: 1, bytes: 7, conversations: 0 }],
        peaks: [{ tenantId: 'acme', day: '2026-11-20', peak: 2 }],
      }));
      await a.addUsage(flush('n1', { peaks: [{ tenantId: 'acme', day: '2026-11-20', peak: 3 }] }));
      expect(await b.readUsage('acme', '2026-11-01', '2026-11-30')).toEqual([
        { day: '2026-11-20', pubSubMessageCount: 8, pubSubBandwidth: 1300, conversationCreateCount: 3, peakConnections: 4 },
        { day: '2026-11-21', pubSubMessageCount: 1, pubSubBandwidth: 7, conversationCreateCount: 0, peakConnections: 0 },
      ]);
      expect(await a.readUsage('acme', '2026-11-21', '2026-11-21')).toHaveLength(1);
      expect(await a.readUsage('other', '2026-11-01', '2026-11-30')).toEqual([]);
      await a.close();
      await b.close();
    });

    test('the peak also samples the sum of all nodes\' fresh live connections at each flush', async () => {
      const [a, b] = await openTwo(backend);
      const day = '2026-11-23';
      const now = Date.now();
      await a.addUsage({ ...flush('n1', { presence: [{ tenantId: 'acme', connections: 3, images: 1, liveImages: [] }], peaks: [{ tenantId: 'acme', day, peak: 3 }], liveDay: day }), at: now });
      await b.addUsage({ ...flush('n2', { presence: [{ tenantId: 'acme', connections: 2, images: 1, liveImages: [] }], peaks: [{ tenantId: 'acme', day, peak: 2 }], liveDay: day }), at: now });
      expect((await a.readUsage('acme', day, day))[0]?.peakConnections).toBe(5);
      // A node that restarts under a new id is not added to its former self.
      await a.addUsage({ ...flush('n1', { presence: [], liveDay: day }), at: now });
      await a.addUsage({ ...flush('n3', { presence: [{ tenantId: 'acme', connections: 1, images: 1, liveImages: [] }], peaks: [{ tenantId: 'acme', day, peak: 1 }], liveDay: day }), at: now });
      expect((await b.readUsage('acme', day, day))[0]?.peakConnections).toBe(5);
      await a.close();
      await b.close();
    });

    test('a flush retried with the same id is applied once', async () => {
      const [a, b] = await openTwo(backend);
      const once = flush('n1', { tenants: [{ tenantId: 'acme', day: '2026-11-20', messages: 2, bytes: 20, conversations: 1 }], images: [{ tenantId: 'acme', day: '2026-11-20', urlId: 'u', messages: 2, bytes: 20 }] });
      await a.addUsage(once);
      await b.addUsage(once);
      await a.addUsage(once);
      expect(await a.readUsage('acme', '2026-11-20', '2026-11-20')).toEqual([{ day: '2026-11-20', pubSubMessageCount: 2, pubSubBandwidth: 20, conversationCreateCount: 1, peakConnections: 0 }]);
      expect(await a.readTopImages('acme', '2026-11-20', '2026-11-20', 10)).toEqual([{ urlId: 'u', pubSubMessageCount: 2, pubSubBandwidth: 20 }]);
      await a.close();
      await b.close();
    });

    test('concurrent flushes of two nodes lose no increment', async () => {
      const [a, b] = await openTwo(backend);
      const one = (store: Store, node: string) => store.addUsage(flush(node, {
        tenants: [{ tenantId: 'acme', day: '2026-11-22', messages: 1, bytes: 10, conversations: 1 }],
        images: [{ tenantId: 'acme', day: '2026-11-22', urlId: 'x', messages: 1, bytes: 10 }],
      }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => one(i % 2 ? a : b, i % 2 ? 'n1' : 'n2')));
      expect(await a.readUsage('acme', '2026-11-22', '2026-11-22')).toEqual([{ day: '2026-11-22', pubSubMessageCount: 20, pubSubBandwidth: 200, conversationCreateCount: 20, peakConnections: 0 }]);
      await a.close();
      await b.close();
    });

    test('top images are ordered by deliveries over the range and limited', async () => {
      const [a, b] = await openTwo(backend);
      await a.addUsage(flush('n1', { images: [
        { tenantId: 'acme', day: '2026-11-20', urlId: 'small', messages: 1, bytes: 100 },
        { tenantId: 'acme', day: '2026-11-20', urlId: 'big', messages: 5, bytes: 50 },
        { tenantId: 'acme', day: '2026-11-21', urlId: 'small', messages: 6, bytes: 600 },
        { tenantId: 'acme', day: '2026-11-25', urlId: 'outside', messages: 99, bytes: 9 },
      ] }));
      expect(await b.readTopImages('acme', '2026-11-20', '2026-11-21', 10)).toEqual([
        { urlId: 'small', pubSubMessageCount: 7, pubSubBandwidth: 700 },
        { urlId: 'big', pubSubMessageCount: 5, pubSubBandwidth: 50 },
      ]);
      expect(await b.readTopImages('acme', '2026-11-20', '2026-11-21', 1)).toHaveLength(1);
      await a.close();
      await b.close();
    });

    test('live numbers: each node\'s latest report replaces its previous one; stale reports are left out; per image the highest merged count', async () => {
      const [a, b] = await openTwo(backend);
      const now = Date.now();
      const one = [{ urlId: 'plan.png', viewers: 4 }, { urlId: 'roof.png', viewers: 1 }];
      await a.addUsage({ ...flush('n1', { presence: [{ tenantId: 'acme', connections: 3, images: 2, liveImages: one }] }), at: now });
      await b.addUsage({ ...flush('n2', { presence: [{ tenantId: 'acme', connections: 1, images: 1, liveImages: [{ urlId: 'old.png', viewers: 9 }] }] }), at: now - 60_000 });
      expect(await a.readLive('acme', now - 10_000)).toEqual({ connections: 3, watchedImages: 2, nodes: 1, images: one });
      // Node 2 holds viewers of plan.png too, and heard of one more person a moment later: the highest count is taken.
      await b.addUsage({ ...flush('n2', { presence: [{ tenantId: 'acme', connections: 2, images: 1, liveImages: [{ urlId: 'plan.png', viewers: 5 }] }] }), at: now });
      expect(await a.readLive('acme', now - 10_000)).toEqual({
        connections: 5, watchedImages: 3, nodes: 2, images: [{ urlId: 'plan.png', viewers: 5 }, { urlId: 'roof.png', viewers: 1 }],
      });
      await a.addUsage({ ...flush('n1', { presence: [] }), at: now });
      expect(await b.readLive('acme', now - 10_000)).toEqual({ connections: 2, watchedImages: 1, nodes: 1, images: [{ urlId: 'plan.png', viewers: 5 }] });
      await a.close();
      await b.close();
    });

    test('a tenant is found by its secret hash', async () => {
      const [a, b] = await openTwo(backend);
      expect(await a.findTenantBySecretHash('hash-acme')).toBe('acme');
      expect(await a.findTenantBySecretHash('nope')).toBeNull();
      await a.close();
      await b.close();
    });
  });
}
