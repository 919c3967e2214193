/**
 * What the REST API asks of the PostgreSQL store beyond the write path (docs/api.md): the list of a tenant's
 * images, and the idempotency keys of its writes (migration 5), claimed atomically across nodes.
 */
import type pg from 'pg';
import type { ImageEvent, ImageKey } from '../../shared/index.js';
import type { CommentPage, CommentQuery, IdempotencyClaim, IdempotencyState, ImagePage } from './types.js';
import { toCommentPage, type CommentHitRow } from './comment-search.js';

interface ImageSummaryRow { url_id: string; chat_count: number; last_activity: number; seq: number }

export async function listImages(db: pg.Pool, tenantId: string, after: string | null, limit: number): Promise<ImagePage> {
  // One row more than asked says whether there is a next page. COLLATE "C": byte order, as SQLite sorts.
  const { rows } = await db.query<ImageSummaryRow>(`SELECT url_id, chat_count, last_activity::float8 AS last_activity, seq::float8 AS seq
    FROM images WHERE tenant_id = $1 AND url_id COLLATE "C" > $2 AND seq > 0 ORDER BY url_id COLLATE "C" LIMIT $3`, [tenantId, after ?? '', limit + 1]);
  const page = rows.slice(0, limit);
  return {
    images: page.map((row) => ({ urlId: row.url_id, chatCount: Number(row.chat_count), lastActivity: Number(row.last_activity), seq: Number(row.seq) })),
    next: rows.length > limit ? page[page.length - 1]!.url_id : null,
  };
}

/**
 * Newest first by (created_at, url_id, chat_id, id), the text columns in byte order as SQLite sorts them, continued
 * with a row-value comparison. strpos() matches a substring with no LIKE wildcards to escape.
 */
export async function searchComments(db: pg.Pool, tenantId: string, query: CommentQuery): Promise<CommentPage> {
  const values: (string | number)[] = [tenantId];
  const where = ['tenant_id = $1'];
  const param = (value: string | number): string => `$${values.push(value)}`;
  if (query.text !== null) where.push(`strpos(lower(body->>'text'), lower(${param(query.text)})) > 0`);
  if (query.author !== null) {
    const author = param(query.author);
    where.push(`(body->'author'->>'id' = ${author} OR strpos(lower(body->'author'->>'name'), lower(${author})) > 0)`);
  }
  if (query.after !== null) {
    const { createdAt, urlId, chatId, commentId } = query.after;
    where.push(`(created_at, url_id COLLATE "C", chat_id COLLATE "C", id COLLATE "C") < (${param(createdAt)}, ${param(urlId)}, ${param(chatId)}, ${param(commentId)})`);
  }
  const { rows } = await db.query<CommentHitRow>(`SELECT url_id, chat_id, ordinal, created_at::float8 AS created_at, body FROM comments
    WHERE ${where.join(' AND ')} ORDER BY created_at DESC, url_id COLLATE "C" DESC, chat_id COLLATE "C" DESC, id COLLATE "C" DESC
    LIMIT ${param(query.limit + 1)}`, values);
  return toCommentPage(rows, query.limit);
}

interface KeyRow { fingerprint: string; answer: string | null; claimed_until: number }

/**
 * The insert decides between concurrent claims (the primary key); a lapsed claim is taken over by a
 * compare-and-set on its `claimed_until`, so two takers cannot both win.
 */
export async function claimIdempotencyKey(db: pg.Pool, claim: IdempotencyClaim): Promise<IdempotencyState> {
  const { tenantId, key, fingerprint, now } = claim;
  await db.query('DELETE FROM api_idempotency WHERE expires_at <= $1', [now]);
  const inserted = await db.query(`INSERT INTO api_idempotency (tenant_id, key, fingerprint, answer, claimed_until, expires_at)
    VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT (tenant_id, key) DO NOTHING`, [tenantId, key, fingerprint, now + claim.leaseMs, now + claim.keepMs]);
  if (inserted.rowCount === 1) return { state: 'claimed', takenOver: false };
  const { rows } = await db.query<KeyRow>(`SELECT fingerprint, answer, claimed_until::float8 AS claimed_until FROM api_idempotency
    WHERE tenant_id = $1 AND key = $2`, [tenantId, key]);
  const row = rows[0];
  // Expired and removed between the insert and the select: this request may try again from the start.
  if (!row) return claimIdempotencyKey(db, claim);
  if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
  if (row.answer !== null) return { state: 'done', answer: row.answer };
  if (row.claimed_until > now) return { state: 'in-flight' };
  const taken = await db.query(`UPDATE api_idempotency SET claimed_until = $1 WHERE tenant_id = $2 AND key = $3
    AND answer IS NULL AND claimed_until = $4`, [now + claim.leaseMs, tenantId, key, row.claimed_until]);
  return taken.rowCount === 1 ? { state: 'claimed', takenOver: true } : { state: 'in-flight' };
}

export async function finishIdempotencyKey(db: pg.Pool, tenantId: string, key: string, answer: string | null): Promise<void> {
  if (answer === null) await db.query('DELETE FROM api_idempotency WHERE tenant_id = $1 AND key = $2 AND answer IS NULL', [tenantId, key]);
  else await db.query('UPDATE api_idempotency SET answer = $1 WHERE tenant_id = $2 AND key = $3', [answer, tenantId, key]);
}

export async function findEventByBroadcastId(db: pg.Pool, key: ImageKey, broadcastId: string): Promise<ImageEvent | null> {
  const { rows } = await db.query<{ body: ImageEvent }>(`SELECT body FROM events WHERE tenant_id = $1 AND url_id = $2 AND body->>'broadcastId' = $3
    ORDER BY seq DESC LIMIT 1`, [key.tenantId, key.urlId, broadcastId]);
  return rows[0]?.body ?? null;
}
