/**
 * Usage rows as both stores keep them: the node name of cluster-wide rows, and how daily counter rows and
 * peak rows are joined into the days a tenant reads.
 */
import type { UsageDay } from '../../shared/index.js';

/** The pseudo node id under which the sampled cluster-wide peak is kept beside each node's own. */
export const CLUSTER_NODE = '*';

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

