/**
 * The usage tables of the SQLite store (see UsageFlush in types.ts): one IMMEDIATE transaction per flush,
 * additive upserts for counters, MAX for peaks, and the flush id recorded so a retried flush is a no-op.
 */
import type Database from 'better-sqlite3';
import type { ImageUsage, LiveUsage, UsageDay, UsageFlush } from './types.js';
import { CLUSTER_NODE, flushTenantIds, mergeDays, mergeLiveImages, onlyTenants, type DailyRow } from './usage-rows.js';

/** Applied flush ids are kept this long; a retry comes within seconds, never a day later. */
const FLUSH_IDS_KEEP_MS = 24 * 60 * 60 * 1000;

export function addUsage(db: Database.Database, given: UsageFlush): void {
  db.transaction(() => {
    const fresh = db.prepare('INSERT OR IGNORE INTO usage_flushes (id, applied_at) VALUES (?, ?)').run(given.id, given.at).changes === 1;
    if (!fresh) return;
    const exists = db.prepare('SELECT 1 FROM tenants WHERE id = ?');
    const flush = onlyTenants(given, new Set(flushTenantIds(given).filter((id) => exists.get(id) !== undefined)));
    db.prepare('DELETE FROM usage_flushes WHERE applied_at < ?').run(flush.at - FLUSH_IDS_KEEP_MS);
    const daily = db.prepare(`INSERT INTO usage_daily (tenant_id, day, messages, bytes, conversations) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (tenant_id, day) DO UPDATE SET messages = messages + excluded.messages, bytes = bytes + excluded.bytes,
      conversations = conversations + excluded.conversations`);
    for (const t of flush.tenants) daily.run(t.tenantId, t.day, t.messages, t.bytes, t.conversations);
    const images = db.prepare(`INSERT INTO usage_images (tenant_id, day, url_id, messages, bytes) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (tenant_id, day, url_id) DO UPDATE SET messages = messages + excluded.messages, bytes = bytes + excluded.bytes`);
    for (const i of flush.images) images.run(i.tenantId, i.day, i.urlId, i.messages, i.bytes);
    const peaks = db.prepare(`INSERT INTO usage_peaks (tenant_id, day, node_id, peak) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant_id, day, node_id) DO UPDATE SET peak = max(peak, excluded.peak)`);
    for (const p of flush.peaks) peaks.run(p.tenantId, p.day, flush.nodeId, p.peak);
    db.prepare('DELETE FROM usage_presence WHERE node_id = ?').run(flush.nodeId);
    const presence = db.prepare('INSERT INTO usage_presence (node_id, tenant_id, connections, images, updated_at, live_images) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of flush.presence) presence.run(flush.nodeId, p.tenantId, p.connections, p.images, flush.at, JSON.stringify(p.liveImages));
    // The cluster-wide peak, sampled now: all nodes' fresh live connections, kept under the node id "*".
    const live = db.prepare('SELECT COALESCE(SUM(connections), 0) AS live FROM usage_presence WHERE tenant_id = ? AND updated_at >= ?');
    for (const p of flush.presence) peaks.run(p.tenantId, flush.liveDay, CLUSTER_NODE, (live.get(p.tenantId, flush.liveSince) as { live: number }).live);
  }).immediate();
}

export function readUsage(db: Database.Database, tenantId: string, from: string, to: string): UsageDay[] {
  const rows = db.prepare('SELECT day, messages, bytes, conversations FROM usage_daily WHERE tenant_id = ? AND day >= ? AND day <= ?')
    .all(tenantId, from, to) as DailyRow[];
  const peaks = db.prepare('SELECT day, MAX(peak) AS peak FROM usage_peaks WHERE tenant_id = ? AND day >= ? AND day <= ? GROUP BY day')
    .all(tenantId, from, to) as { day: string; peak: number }[];
  return mergeDays(rows, peaks);
}

export function readTopImages(db: Database.Database, tenantId: string, from: string, to: string, limit: number): ImageUsage[] {
  return (db.prepare(`SELECT url_id AS urlId, SUM(messages) AS pubSubMessageCount, SUM(bytes) AS pubSubBandwidth FROM usage_images
    WHERE tenant_id = ? AND day >= ? AND day <= ? GROUP BY url_id ORDER BY pubSubMessageCount DESC, url_id LIMIT ?`)
    .all(tenantId, from, to, limit) as ImageUsage[]);
}

export function readLive(db: Database.Database, tenantId: string, freshSince: number): LiveUsage {
  const row = db.prepare(`SELECT COALESCE(SUM(connections), 0) AS connections, COALESCE(SUM(images), 0) AS watchedImages, COUNT(*) AS nodes
    FROM usage_presence WHERE tenant_id = ? AND updated_at >= ? AND connections > 0`).get(tenantId, freshSince) as Omit<LiveUsage, 'images'>;
  const images = db.prepare('SELECT live_images FROM usage_presence WHERE tenant_id = ? AND updated_at >= ? AND connections > 0')
    .all(tenantId, freshSince) as { live_images: string }[];
  return { ...row, images: mergeLiveImages(images.map((r) => r.live_images)) };
}
