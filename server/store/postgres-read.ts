/**
 * The subscribe read of the PostgreSQL store as one statement: one statement sees one snapshot, so the seq,
 * the replayed events and the snapshot's chats always agree, with no explicit transaction and in one round
 * trip (a reconnect storm after a Redis outage is thousands of these). The chats are only read (the CASE
 * branch only evaluated) when the replay cannot answer.
 */
import type pg from 'pg';
import type { Chat, ImageEvent, ImageKey } from '../../shared/index.js';
import type { ReadResult } from './types.js';

const READ_SQL = `
WITH img AS (
  SELECT seq, epoch FROM images WHERE tenant_id = $1 AND url_id = $2
), replay AS (
  SELECT coalesce(json_agg(e.body ORDER BY e.seq), '[]'::json) AS events, count(*)::int AS n
  FROM events e, img
  WHERE $3::int IS NOT NULL AND img.epoch = $4::text AND e.tenant_id = $1 AND e.url_id = $2 AND e.seq > $3::int AND e.seq <= img.seq
)
SELECT img.seq, img.epoch,
  ($3::int IS NOT NULL AND img.epoch = $4::text AND $3::int <= img.seq AND replay.n = img.seq - $3::int) AS complete,
  replay.events,
  CASE WHEN $3::int IS NOT NULL AND img.epoch = $4::text AND $3::int <= img.seq AND replay.n = img.seq - $3::int THEN NULL
       ELSE (SELECT coalesce(json_agg(c.body ORDER BY c.created_at, c.id), '[]'::json) FROM chats c WHERE c.tenant_id = $1 AND c.url_id = $2)
  END AS chats
FROM img, replay`;

interface Row { seq: number; epoch: string; complete: boolean; events: ImageEvent[]; chats: Chat[] | null }

/** Exactly the events after `since`, or a snapshot; null when the image has no row yet. */
export async function readImage(db: pg.Pool, key: ImageKey, since?: number, epoch?: string): Promise<ReadResult | null> {
  const { rows } = await db.query<Row>(READ_SQL, [key.tenantId, key.urlId, since ?? null, epoch ?? null]);
  const row = rows[0];
  if (!row) return null;
  if (row.complete) return { reset: false, seq: row.seq, epoch: row.epoch, events: row.events };
  return { reset: true, seq: row.seq, epoch: row.epoch, chats: row.chats ?? [] };
}
