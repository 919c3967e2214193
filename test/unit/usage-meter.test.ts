/**
 * The usage meter against a real (in-memory) SQLite store, with faults injected into `addUsage`: a flush that
 * fails before its commit, or whose commit succeeded but whose answer was lost, is retried without counting
 * twice or losing anything; counts go to the UTC day they happened on; close() flushes the rest.
 */
import { afterEach, expect, test } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { Store, UsageFlush } from '../../server/store/types.js';
import { UsageMeter } from '../../server/metering/usage-meter.js';
import { TenantPresence } from '../../server/metering/tenant-presence.js';
import { createLogger } from '../../server/log.js';

type Fault = 'none' | 'before-commit' | 'after-commit';

/** A real store whose `addUsage` can fail once, before or after committing. */
function flaky(store: Store): { store: Store; fail(fault: Fault): void; attempts: string[] } {
  let fault: Fault = 'none';
  const attempts: string[] = [];
  const addUsage = async (flush: UsageFlush) => {
    attempts.push(flush.id);
    const now = fault;
    fault = 'none';
    if (now === 'before-commit') throw new Error('connection reset before commit');
    await store.addUsage(flush);
    if (now === 'after-commit') throw new Error('connection reset after commit');
  };
  return { store: new Proxy(store, { get: (target, key) => (key === 'addUsage' ? addUsage : Reflect.get(target, key)) }), fail: (f) => { fault = f; }, attempts };
}

const stores: SqliteStore[] = [];
afterEach(async () => { for (const store of stores.splice(0)) await store.close(); });

async function setup(now: () => number = Date.now) {
  const real = new SqliteStore({ path: ':memory:', eventLogKeep: 100 });
  stores.push(real);
  await real.init();
  // Usage is stored for tenants that exist (a deleted tenant's late counts are dropped).
  for (const id of ['acme']) await real.createTenant({ id, name: id, origins: [], secretHash: `h-${id}` });
  const faults = flaky(real);
  const presence = new TenantPresence();
  const meter = new UsageMeter({ store: faults.store, nodeId: 'n1', presence, flushMs: 60_000, log: createLogger('silent'), now });
  return { real, faults, presence, meter };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

test('a flush that fails before its commit is retried; nothing is lost', async () => {
  const { real, faults, meter } = await setup();
  meter.delivered('acme', 1, 100, ['a']);
  faults.fail('before-commit');
  expect(await meter.flush()).toBe(false);
  meter.delivered('acme', 2, 50, ['a', 'a']);
  expect(await meter.flush()).toBe(true);
  const today = day(Date.now());
  expect(await real.readUsage('acme', today, today)).toEqual([{ day: today, pubSubMessageCount: 3, pubSubBandwidth: 150, conversationCreateCount: 0, peakConnections: 0 }]);
});

test('a flush whose commit succeeded but whose answer was lost is not counted twice', async () => {
  const { real, faults, meter } = await setup();
  meter.delivered('acme', 4, 400, ['a', 'a', 'b', 'b']);
  meter.written({ type: 'new-image-chat', broadcastId: 'b', tenantId: 'acme', urlId: 'a', seq: 1, chatId: 'c', chat: { id: 'c', number: 1, x: 0, y: 0, author: { id: 'u', name: 'U' }, createdAt: 0, resolved: false, comments: [] } });
  faults.fail('after-commit');
  expect(await meter.flush()).toBe(false);
  meter.delivered('acme', 1, 10, ['b']);
  expect(await meter.flush()).toBe(true);
  // The retry reused the first flush's id, then the newer counts went in their own flush.
  expect(faults.attempts[1]).toBe(faults.attempts[0]);
  expect(faults.attempts).toHaveLength(3);
  const today = day(Date.now());
  expect(await real.readUsage('acme', today, today)).toEqual([{ day: today, pubSubMessageCount: 5, pubSubBandwidth: 410, conversationCreateCount: 1, peakConnections: 0 }]);
  // A batch over two images is split evenly by events; per-image totals add up to the tenant's.
  expect(await real.readTopImages('acme', today, today, 10)).toEqual([
    { urlId: 'b', pubSubMessageCount: 3, pubSubBandwidth: 210 },
    { urlId: 'a', pubSubMessageCount: 2, pubSubBandwidth: 200 },
  ]);
});

test('counts go to the UTC day they happened on; a tenant live across midnight peaks on the new day too', async () => {
  let now = Date.parse('2026-11-21T23:59:59.000Z');
  const { real, presence, meter } = await setup(() => now);
  const owner = {};
  presence.add(owner, { tenantId: 'acme', urlId: 'a' });
  presence.add({}, { tenantId: 'acme', urlId: 'a' });
  meter.delivered('acme', 1, 10, ['a']);
  now = Date.parse('2026-11-22T00:00:01.000Z');
  presence.remove(owner, { tenantId: 'acme', urlId: 'a' });
  meter.delivered('acme', 2, 30, ['a', 'a']);
  expect(await meter.flush()).toBe(true);
  expect(await real.readUsage('acme', '2026-11-21', '2026-11-22')).toEqual([
    { day: '2026-11-21', pubSubMessageCount: 1, pubSubBandwidth: 10, conversationCreateCount: 0, peakConnections: 2 },
    { day: '2026-11-22', pubSubMessageCount: 2, pubSubBandwidth: 30, conversationCreateCount: 0, peakConnections: 1 },
  ]);
  expect(await real.readLive('acme', 0)).toEqual({ connections: 1, watchedImages: 1, nodes: 1, images: [] });
});

test('close() flushes what is left and withdraws the node\'s live presence', async () => {
  const { real, presence, meter } = await setup();
  presence.add({}, { tenantId: 'acme', urlId: 'a' });
  expect(await meter.flush()).toBe(true);
  expect(await real.readLive('acme', 0)).toEqual({ connections: 1, watchedImages: 1, nodes: 1, images: [] });
  meter.delivered('acme', 7, 700, Array(7).fill('a'));
  await meter.close();
  const today = day(Date.now());
  expect((await real.readUsage('acme', today, today))[0]).toMatchObject({ pubSubMessageCount: 7, pubSubBandwidth: 700, peakConnections: 1 });
  expect(await real.readLive('acme', 0)).toEqual({ connections: 0, watchedImages: 0, nodes: 0, images: [] });
});
