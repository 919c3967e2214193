/**
 * The usage tables of the PostgreSQL store (see UsageFlush in types.ts). One transaction per flush;
 * counters are additive upserts (`x = x + EXCLUDED.x`), so flushes of many nodes to one row never lose an
 * increment; peaks keep the maximum; the flush id is recorded first so a retried flush is a no-op.
 */
import type pg from 'pg';
import type { ImageUsage, LiveUsage, UsageDay, UsageFlush } from './types.js';
import { CLUSTER_NODE, flushTenantIds, mergeDays, mergeLiveImages, onlyTenants } from './usage-rows.js';

/** Applied flush ids are kept this long; a retry comes within seconds, never a day later. */
const FLUSH_IDS_KEEP_MS = 24 * 60 * 60 * 1000;

type Db = pg.Pool | pg.PoolClient;

/** Runs inside the caller's transaction. */
export async function addUsage(client: pg.PoolClient, given: UsageFlush): Promise<void> {
  const fresh = await client.query('INSERT INTO usage_flushes (id, applied_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [given.id, given.at]);
  if (fresh.rowCount !== 1) return;
  // The tenants' rows first (in id order, KEY SHARE): a tenant being deleted waits for this flush, or is gone for it.
  const { rows } = await client.query<{ id: string }>('SELECT id FROM tenants WHERE id = ANY($1::text[]) ORDER BY id FOR KEY SHARE', [flushTenantIds(given)]);
  const flush = onlyTenants(given, new Set(rows.map((row) => row.id)));
  await client.query('DELETE FROM usage_flushes WHERE applied_at < $1', [flush.at - FLUSH_IDS_KEEP_MS]);
  // Rows in key order, so two nodes flushing the same tenants lock them in the same order (no deadlock).
  const tenants = [...flush.tenants].sort((a, b) => compare(a.tenantId + a.day, b.tenantId + b.day));
  for (const t of tenants) {
    await client.query(`INSERT INTO usage_daily (tenant_id, day, messages, bytes, conversations) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (tenant_id, day) DO UPDATE SET messages = usage_daily.messages + EXCLUDED.messages,
      bytes = usage_daily.bytes + EXCLUDED.bytes, conversations = usage_daily.conversations + EXCLUDED.conversations`,
    [t.tenantId, t.day, t.messages, t.bytes, t.conversations]);
  }
  const images = [...flush.images].sort((a, b) => compare(`${a.tenantId} ${a.day} ${a.urlId}`, `${b.tenantId} ${b.day} ${b.urlId}`));
  for (const i of images) {
    await client.query(`INSERT INTO usage_images (tenant_id, day, url_id, messages, bytes) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (tenant_id, day, url_id) DO UPDATE SET messages = usage_images.messages + EXCLUDED.messages,
      bytes = usage_images.bytes + EXCLUDED.bytes`, [i.tenantId, i.day, i.urlId, i.messages, i.bytes]);
  }
  for (const p of flush.peaks) {
    await client.query(`INSERT INTO usage_peaks (tenant_id, day, node_id, peak) VALUES ($1, $2, $3, $4)
      ON CONFLICT (tenant_id, day, node_id) DO UPDATE SET peak = GREATEST(usage_peaks.peak, EXCLUDED.peak)`, [p.tenantId, p.day, flush.nodeId, p.peak]);
  }
  await client.query('DELETE FROM usage_presence WHERE node_id = $1', [flush.nodeId]);
  for (const p of flush.presence) {
    await client.query('INSERT INTO usage_presence (node_id, tenant_id, connections, images, updated_at, live_images) VALUES ($1, $2, $3, $4, $5, $6)',
      [flush.nodeId, p.tenantId, p.connections, p.images, flush.at, JSON.stringify(p.liveImages)]);
  }
  // The cluster-wide peak, sampled now: all nodes' fresh live connections, kept under the node id "*"
  // (rows shared by all nodes: taken in tenant order, like the counters).
  for (const p of [...flush.presence].sort((a, b) => compare(a.tenantId, b.tenantId))) {
    await client.query(`INSERT INTO usage_peaks (tenant_id, day, node_id, peak)
      SELECT $1, $2, $3, COALESCE(SUM(connections), 0) FROM usage_presence WHERE tenant_id = $1 AND updated_at >= $4
      ON CONFLICT (tenant_id, day, node_id) DO UPDATE SET peak = GREATEST(usage_peaks.peak, EXCLUDED.peak)`,
    [p.tenantId, flush.liveDay, CLUSTER_NODE, flush.liveSince]);
  }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export async function readUsage(db: Db, tenantId: string, from: string, to: string): Promise<UsageDay[]> {
  const rows = await db.query<{ day: string; messages: number; bytes: number; conversations: number }>(
    'SELECT day, messages, bytes, conversations FROM usage_daily WHERE tenant_id = $1 AND day >= $2 AND day <= $3', [tenantId, from, to]);
  const peaks = await db.query<{ day: string; peak: number }>(
    'SELECT day, MAX(peak) AS peak FROM usage_peaks WHERE tenant_id = $1 AND day >= $2 AND day <= $3 GROUP BY day', [tenantId, from, to]);
  return mergeDays(rows.rows, peaks.rows);
}

export async function readTopImages(db: Db, tenantId: string, from: string, to: string, limit: number): Promise<ImageUsage[]> {
  const { rows } = await db.query<{ url_id: string; messages: string; bytes: string }>(
    `SELECT url_id, SUM(messages) AS messages, SUM(bytes) AS bytes FROM usage_images
     WHERE tenant_id = $1 AND day >= $2 AND day <= $3 GROUP BY url_id ORDER BY SUM(messages) DESC, url_id COLLATE "C" LIMIT $4`, [tenantId, from, to, limit]);
  return rows.map((r) => ({ urlId: r.url_id, pubSubMessageCount: Number(r.messages), pubSubBandwidth: Number(r.bytes) }));
}

export async function readLive(db: Db, tenantId: string, freshSince: number): Promise<LiveUsage> {
  const { rows } = await db.query<{ connections: string; images: string; nodes: string }>(
    `SELECT COALESCE(SUM(connections), 0) AS connections, COALESCE(SUM(images), 0) AS images, COUNT(*) AS nodes
     FROM usage_presence WHERE tenant_id = $1 AND updated_at >= $2 AND connections > 0`, [tenantId, freshSince]);
  const row = rows[0];
  const images = await db.query<{ live_images: string }>(
    'SELECT live_images FROM usage_presence WHERE tenant_id = $1 AND updated_at >= $2 AND connections > 0', [tenantId, freshSince]);
  return {
    connections: Number(row?.connections ?? 0), watchedImages: Number(row?.images ?? 0), nodes: Number(row?.nodes ?? 0),
    images: mergeLiveImages(images.rows.map((r) => r.live_images)),
  };
}
