/**
 * Usage rows as both stores keep them: the node name of cluster-wide rows, and how daily counter rows and
 * peak rows are joined into the days a tenant reads.
 */
import type { LiveImage, UsageDay } from '../../shared/index.js';
import type { UsageFlush } from './types.js';

/** The pseudo node id under which the sampled cluster-wide peak is kept beside each node's own. */
export const CLUSTER_NODE = '*';

/** Images one node reports per tenant in a flush, most viewers first: a dashboard shows the busiest few. */
export const LIVE_IMAGES_PER_NODE = 100;
/** Images the live report lists: the dashboard's "live now" table. */
export const LIVE_IMAGES_SHOWN = 20;

/**
 * The images viewed now from the nodes' fresh rows (each a JSON list of `LiveImage`). Every node holding viewers
 * of an image reports the same merged count (within a heartbeat), so the highest is taken, never a sum: one
 * person with tabs on two nodes counts once.
 */
export function mergeLiveImages(rows: readonly string[]): LiveImage[] {
  const viewers = new Map<string, number>();
  for (const row of rows) {
    let images: unknown;
    try {
      images = JSON.parse(row);
    } catch {
      continue;
    }
    if (!Array.isArray(images)) continue;
    for (const image of images as Partial<LiveImage>[]) {
      if (typeof image?.urlId !== 'string' || typeof image.viewers !== 'number') continue;
      viewers.set(image.urlId, Math.max(viewers.get(image.urlId) ?? 0, image.viewers));
    }
  }
  return [...viewers].map(([urlId, count]) => ({ urlId, viewers: count }))
    .sort((a, b) => b.viewers - a.viewers || (a.urlId < b.urlId ? -1 : a.urlId > b.urlId ? 1 : 0))
    .slice(0, LIVE_IMAGES_SHOWN);
}

/** A row of `usage_daily`; PostgreSQL answers its big integers as strings. */
export interface DailyRow { day: string; messages: number | string; bytes: number | string; conversations: number | string }

/** Joins counter rows and peak rows by day, in day order. */
export function mergeDays(rows: DailyRow[], peaks: { day: string; peak: number }[]): UsageDay[] {
  const days = new Map<string, UsageDay>();
  const day = (name: string): UsageDay => {
    let found = days.get(name);
    if (!found) days.set(name, (found = { day: name, pubSubMessageCount: 0, pubSubBandwidth: 0, conversationCreateCount: 0, peakConnections: 0 }));
    return found;
  };
  for (const row of rows) {
    const d = day(row.day);
    d.pubSubMessageCount = Number(row.messages);
    d.pubSubBandwidth = Number(row.bytes);
    d.conversationCreateCount = Number(row.conversations);
  }
  for (const row of peaks) day(row.day).peakConnections = Number(row.peak);
  return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}


/**
 * The flush without what belongs to tenants that no longer exist: a node may flush counts for a tenant deleted a
 * moment before, and they must not be left behind for a tenant made again under the same id.
 */
export function onlyTenants<F extends UsageFlush>(flush: F, known: ReadonlySet<string>): F {
  return {
    ...flush,
    tenants: flush.tenants.filter((t) => known.has(t.tenantId)),
    images: flush.images.filter((i) => known.has(i.tenantId)),
    peaks: flush.peaks.filter((p) => known.has(p.tenantId)),
    presence: flush.presence.filter((p) => known.has(p.tenantId)),
  };
}

/** Every tenant id a flush names. */
export const flushTenantIds = (flush: UsageFlush): string[] =>
  [...new Set([...flush.tenants, ...flush.images, ...flush.peaks, ...flush.presence].map((row) => row.tenantId))].sort();
