/**
 * Changing and removing tenants (`npm run tenant -- update | delete`), on every store: a removal takes every row
 * of the tenant from every table that has a `tenant_id` and leaves other tenants' rows alone.
 */
import { describe, expect, test } from 'vitest';
import { TENANT_TABLES } from '../../server/store/tenant-removal.js';
import { open, sequenced, writeMessage, type StoreBackend } from './store-helpers.js';

export function tenantAdminContract(backend: StoreBackend): void {
  describe('tenant administration', () => {
    test('updateTenant changes the name and origins given and keeps the rest', async () => {
      const store = await open(await backend.fresh());
      await store.createTenant({ id: 'acme', name: 'Acme', origins: ['https://a.example'], secretHash: 'h-acme' });
      expect(await store.updateTenant('acme', { name: 'Acme Shop' })).toBe(true);
      expect(await store.getTenant('acme')).toMatchObject({ name: 'Acme Shop', origins: ['https://a.example'] });
      expect(await store.updateTenant('acme', { origins: [] })).toBe(true);
      expect(await store.getTenant('acme')).toMatchObject({ name: 'Acme Shop', origins: [] });
      expect(await store.updateTenant('nobody', { name: 'x' })).toBe(false);
    });

    test('deleteTenant removes the tenant\'s rows from every table with a tenant_id, and no other tenant\'s', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      // Every table of the schema that has a tenant_id is in the removal list.
      const columns = await database.query(`SELECT table_name AS t FROM information_schema.columns WHERE column_name = 'tenant_id'`)
        .catch(async () => database.query(`SELECT m.name AS t FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'tenant_id'`));
      expect(columns.map((row) => row.t).sort()).toEqual([...TENANT_TABLES].sort());

      for (const id of ['gone', 'kept']) {
        await store.createTenant({ id, name: id, origins: [], secretHash: `h-${id}` });
        const made = sequenced(await writeMessage(store, { tenantId: id, urlId: 'img' }, { type: 'create-chat', x: 0.5, y: 0.5, text: 'hello' }));
        sequenced(await writeMessage(store, { tenantId: id, urlId: 'img' }, { type: 'add-comment', chatId: made.chatId, text: 'reply' }));
        await store.createWebhookEndpoint({ id: `wh_${id}`, tenantId: id, url: 'https://example.com/', description: '', events: ['*'], enabled: true,
          disabledReason: null, createdAt: 1, secrets: { current: 's', previous: null, previousUntil: 0 } }, 10);
        sequenced(await writeMessage(store, { tenantId: id, urlId: 'img' }, { type: 'resolve-chat', chatId: made.chatId, resolved: true }));
        await store.claimIdempotencyKey({ tenantId: id, key: 'k', fingerprint: 'f', now: Date.now(), leaseMs: 1000, keepMs: 60_000 });
        await store.addUsage({ id: `flush-${id}`, nodeId: `node-${id}`, at: Date.now(), tenants: [{ tenantId: id, day: '2026-12-04', messages: 1, bytes: 1, conversations: 1 }],
          images: [{ tenantId: id, day: '2026-12-04', urlId: 'img', messages: 1, bytes: 1 }], peaks: [{ tenantId: id, day: '2026-12-04', peak: 1 }],
          presence: [{ tenantId: id, connections: 1, images: 1, liveImages: [] }], liveSince: 0, liveDay: '2026-12-04' });
      }
      const count = async (id: string) => Object.fromEntries(await Promise.all(TENANT_TABLES.map(async (table) =>
        [table, Number((await database.query(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = '${id}'`))[0]!.n)])));
      // Before: the tenant has rows in every table.
      expect(Object.entries(await count("gone")).filter(([, n]) => (n as number) === 0)).toEqual([]);
      const kept = await count('kept');

      expect(await store.deleteTenant('gone')).toBe(true);
      expect(Object.values(await count('gone')).every((n) => (n as number) === 0)).toBe(true);
      expect(await store.getTenant('gone')).toBeNull();
      expect(await count('kept')).toEqual(kept);
      expect(await store.deleteTenant('gone')).toBe(false);
      // A node's flush that still counts the deleted tenant (it was connected a moment before) stores nothing of it.
      await store.addUsage({ id: 'late-flush', nodeId: 'node-late', at: Date.now(), tenants: [{ tenantId: 'gone', day: '2026-12-04', messages: 5, bytes: 5, conversations: 0 }],
        images: [{ tenantId: 'gone', day: '2026-12-04', urlId: 'img', messages: 5, bytes: 5 }], peaks: [{ tenantId: 'gone', day: '2026-12-04', peak: 3 }],
        presence: [{ tenantId: 'gone', connections: 3, images: 1, liveImages: [] }, { tenantId: 'kept', connections: 1, images: 1, liveImages: [] }], liveSince: 0, liveDay: '2026-12-04' });
      expect(Object.values(await count('gone')).every((n) => (n as number) === 0)).toBe(true);
      expect((await count('kept')).usage_presence).toBe(kept.usage_presence! + 1);
      // The id may be used again, and starts empty.
      expect(await store.createTenant({ id: 'gone', name: 'again', origins: [], secretHash: 'h-again' })).toBe(true);
      expect((await store.read({ tenantId: 'gone', urlId: 'img' })).seq).toBe(0);
    });
  });
}
