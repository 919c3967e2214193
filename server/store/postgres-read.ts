/**
 * The subscribe read of the PostgreSQL store as one statement: one statement sees one snapshot, so the seq,
 * the replayed events and the snapshot's chats always agree, with no explicit transaction and in one round
 * trip (a reconnect storm after a Redis outage is thousands of these). The chats are only read (the CASE
 * branch only evaluated) when the replay cannot answer; each is assembled from its row and its comments'
 * rows in thread order.
 */
import type pg from 'pg';
import type { Chat, ImageEvent, ImageKey } from '../../shared/index.js';
import { replayFrom } from './replay.js';
import type { ReadResult } from './types.js';

const READ_SQL = `
WITH img AS (
  SELECT seq, epoch FROM images WHERE tenant_id = $1 AND url_id = $2
), replay AS (
  SELECT coalesce(json_agg(e.body ORDER BY e.seq), '[]'::json) AS events, count(*)::int AS n
  FROM events e, img
  WHERE $3::int IS NOT NULL AND img.epoch = $4::text AND e.tenant_id = $1 AND e.url_id = $2 AND e.seq > $3::int AND e.seq <= img.seq
), threads AS NOT MATERIALIZED (
  SELECT chat_id, json_agg(body ORDER BY ordinal) AS comments FROM comments WHERE tenant_id = $1 AND url_id = $2 GROUP BY chat_id
)
SELECT img.seq, img.epoch,
  ($3::int IS NOT NULL AND img.epoch = $4::text AND $3::int <= img.seq AND replay.n = img.seq - $3::int) AS complete,
  replay.events,
  CASE WHEN $3::int IS NOT NULL AND img.epoch = $4::text AND $3::int <= img.seq AND replay.n = img.seq - $3::int THEN NULL
       ELSE (SELECT coalesce(json_agg(json_build_object(
               'id', c.id, 'number', c.number, 'x', c.x, 'y', c.y, 'author', json_build_object('id', c.author_id, 'name', c.author_name),
               'createdAt', c.created_at, 'resolved', c.resolved, 'comments', coalesce(t.comments, '[]'::json)
             ) ORDER BY c.created_at, c.id COLLATE "C"), '[]'::json)
             FROM chats c LEFT JOIN threads t ON t.chat_id = c.id WHERE c.tenant_id = $1 AND c.url_id = $2)
  END AS chats
FROM img, replay`;

interface Row { seq: number; epoch: string; complete: boolean; events: ImageEvent[]; chats: Chat[] | null }

/**
 * Exactly the events after `since`, or a snapshot; null when the image has no row (it was never written).
 * A `since` or `epoch` no image can match is not sent (replay.ts): the answer is a snapshot.
 */
export async function readImage(db: pg.Pool, key: ImageKey, since?: number, epoch?: string): Promise<ReadResult | null> {
  const replay = replayFrom(since, epoch);
  const { rows } = await db.query<Row>(READ_SQL, [key.tenantId, key.urlId, replay?.since ?? null, replay?.epoch ?? null]);
  const row = rows[0];
  if (!row) return null;
  if (row.complete) return { reset: false, seq: row.seq, epoch: row.epoch, events: row.events };
  return { reset: true, seq: row.seq, epoch: row.epoch, chats: row.chats ?? [] };
}
