/** The tenant cache in front of a real SQLite store, with a clock the test moves. */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.js';
import { MISS_LOOKUPS_PER_REQUESTER_PER_SECOND, MISS_LOOKUPS_PER_SECOND, TenantCache, TenantLookupDeferred } from '../../server/core/tenant-cache.js';
import { makeTempDir, removeDir } from '../helpers/server.js';

let dir: string;
let store: SqliteStore;
let lookups: number;
let now: number;
let cache: TenantCache;

beforeEach(async () => {
  dir = makeTempDir();
  store = new SqliteStore({ path: join(dir, 'tenants.db'), eventLogKeep: 10 });
  await store.init();
  await store.createTenant({ id: 'acme', name: 'Acme', origins: ['https://acme.example'], secretHash: 'h' });
  lookups = 0;
  const getTenant = store.getTenant.bind(store);
  store.getTenant = (id) => { lookups += 1; return getTenant(id); };
  now = 1_000_000;
  cache = new TenantCache(store, () => now);
});

afterEach(async () => {
  await store.close();
  removeDir(dir);
});

test('probing random ids costs at most MISS_LOOKUPS_PER_SECOND store reads a second; past it lookups are deferred, not answered unknown', async () => {
  const answers = await Promise.allSettled(Array.from({ length: 5000 }, (_, i) => cache.get(`probe-${i}`)));
  expect(answers.filter((a) => a.status === 'fulfilled' && a.value === null)).toHaveLength(MISS_LOOKUPS_PER_SECOND);
  expect(answers.filter((a) => a.status === 'rejected' && a.reason instanceof TenantLookupDeferred)).toHaveLength(5000 - MISS_LOOKUPS_PER_SECOND);
  expect(lookups).toBe(MISS_LOOKUPS_PER_SECOND);
  // A real tenant not yet cached is deferred too during the probe, and found the next second.
  await expect(cache.get('acme')).rejects.toBeInstanceOf(TenantLookupDeferred);
  now += 1000;
  expect((await cache.get('acme'))?.id).toBe('acme');
  expect(lookups).toBe(MISS_LOOKUPS_PER_SECOND + 1);
});

test('a known tenant is never pushed out by probes, and is served without the store', async () => {
  expect((await cache.get('acme'))?.name).toBe('Acme');
  for (let second = 0; second < 100; second += 1) {
    now += 1000;
    await Promise.all(Array.from({ length: MISS_LOOKUPS_PER_SECOND }, (_, i) => cache.get(`probe-${second}-${i}`)));
    await expect(cache.get(`probe-${second}-over`)).rejects.toBeInstanceOf(TenantLookupDeferred);
  }
  const before = lookups;
  expect((await cache.get('acme'))?.name).toBe('Acme');
  // Stale by now, so one background refresh; the answer did not wait for it.
  await new Promise((resolve) => setImmediate(resolve));
  expect(lookups - before).toBe(1);
});

test('an id probed before its tenant existed is found once the unknown entry expires; a stale tenant is answered at once', async () => {
  expect(await cache.get('newcomer')).toBeNull();
  await store.createTenant({ id: 'newcomer', name: 'Newcomer', origins: [], secretHash: 'h2' });
  expect(await cache.get('newcomer')).toBeNull();
  now += 10_001;
  expect(await cache.get('newcomer')).toMatchObject({ id: 'newcomer' });
  now += 10_001;
  const before = lookups;
  expect((await cache.get('newcomer'))?.id).toBe('newcomer');
  await new Promise((resolve) => setImmediate(resolve));
  expect(lookups).toBe(before + 1);
});

test('concurrent reads of one uncached id share one lookup; an unknown id is remembered as unknown', async () => {
  const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get('acme')));
  expect(answers.every((tenant) => tenant?.id === 'acme')).toBe(true);
  expect(lookups).toBe(1);
  expect(await cache.get('nobody')).toBeNull();
  expect(await cache.get('nobody')).toBeNull();
  expect(lookups).toBe(2);
});

test('one requester gets its share of the lookups, and a real tenant\'s first visitor from elsewhere is served during its probe', async () => {
  const probe = await Promise.allSettled(Array.from({ length: 500 }, (_, i) => cache.get(`probe-${i}`, '198.51.100.7')));
  expect(probe.filter((a) => a.status === 'fulfilled')).toHaveLength(MISS_LOOKUPS_PER_REQUESTER_PER_SECOND);
  expect(lookups).toBe(MISS_LOOKUPS_PER_REQUESTER_PER_SECOND);
  expect((await cache.get('acme', '203.0.113.9'))?.id).toBe('acme');
  // The next second the prober has a new share; what it was refused stays refused until then.
  await expect(cache.get('probe-again', '198.51.100.7')).rejects.toBeInstanceOf(TenantLookupDeferred);
  now += 1000;
  expect(await cache.get('probe-again', '198.51.100.7')).toBeNull();
});
