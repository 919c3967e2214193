/**
 * What the REST API asks of the SQLite store beyond the write path (docs/api.md): the list of a tenant's
 * images, and the idempotency keys of its writes (migration 5).
 */
import type Database from 'better-sqlite3';
import type { Comment, ImageEvent, ImageKey } from '../../shared/index.js';
import type { CommentPage, CommentQuery, IdempotencyClaim, IdempotencyState, ImagePage } from './types.js';
import { toCommentPage, type CommentHitRow } from './comment-search.js';

interface ImageSummaryRow { url_id: string; chat_count: number; last_activity: number; seq: number }

export function listImages(db: Database.Database, tenantId: string, after: string | null, limit: number): ImagePage {
  // One row more than asked says whether there is a next page.
  const rows = db.prepare(`SELECT url_id, chat_count, last_activity, seq FROM images
    WHERE tenant_id = ? AND url_id > ? AND seq > 0 ORDER BY url_id LIMIT ?`).all(tenantId, after ?? '', limit + 1) as ImageSummaryRow[];
  const page = rows.slice(0, limit);
  return {
    images: page.map((row) => ({ urlId: row.url_id, chatCount: row.chat_count, lastActivity: row.last_activity, seq: row.seq })),
    next: rows.length > limit ? page[page.length - 1]!.url_id : null,
  };
}

/**
 * Newest first by (created_at, url_id, chat_id, id), continued with a row-value comparison. SQLite's lower() folds
 * ASCII only; instr() matches a substring with no LIKE wildcards to escape.
 */
export function searchComments(db: Database.Database, tenantId: string, query: CommentQuery): CommentPage {
  const where = ['tenant_id = ?'];
  const values: (string | number)[] = [tenantId];
  if (query.text !== null) {
    where.push("instr(lower(json_extract(body, '$.text')), lower(?)) > 0");
    values.push(query.text);
  }
  if (query.author !== null) {
    where.push("(json_extract(body, '$.author.id') = ? OR instr(lower(json_extract(body, '$.author.name')), lower(?)) > 0)");
    values.push(query.author, query.author);
  }
  if (query.after !== null) {
    where.push('(created_at, url_id, chat_id, id) < (?, ?, ?, ?)');
    values.push(query.after.createdAt, query.after.urlId, query.after.chatId, query.after.commentId);
  }
  const rows = db.prepare(`SELECT url_id, chat_id, ordinal, created_at, body FROM comments WHERE ${where.join(' AND ')}
    ORDER BY created_at DESC, url_id DESC, chat_id DESC, id DESC LIMIT ?`).all(...values, query.limit + 1) as { url_id: string; chat_id: string; ordinal: number; created_at: number; body: string }[];
  return toCommentPage(rows.map((row): CommentHitRow => ({ ...row, body: JSON.parse(row.body) as Comment })), query.limit);
}

interface KeyRow { fingerprint: string; answer: string | null; claimed_until: number }

/** One IMMEDIATE transaction: SQLite's one writer makes the claim atomic across store instances on the file. */
export function claimIdempotencyKey(db: Database.Database, claim: IdempotencyClaim): IdempotencyState {
  const { tenantId, key, fingerprint, now } = claim;
  return db.transaction((): IdempotencyState => {
    db.prepare('DELETE FROM api_idempotency WHERE expires_at <= ?').run(now);
    const inserted = db.prepare(`INSERT INTO api_idempotency (tenant_id, key, fingerprint, answer, claimed_until, expires_at)
      VALUES (?, ?, ?, NULL, ?, ?) ON CONFLICT (tenant_id, key) DO NOTHING`).run(tenantId, key, fingerprint, now + claim.leaseMs, now + claim.keepMs);
    if (inserted.changes === 1) return { state: 'claimed', takenOver: false };
    const row = db.prepare('SELECT fingerprint, answer, claimed_until FROM api_idempotency WHERE tenant_id = ? AND key = ?').get(tenantId, key) as KeyRow;
    if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
    if (row.answer !== null) return { state: 'done', answer: row.answer };
    if (row.claimed_until > now) return { state: 'in-flight' };
    db.prepare('UPDATE api_idempotency SET claimed_until = ? WHERE tenant_id = ? AND key = ?').run(now + claim.leaseMs, tenantId, key);
    return { state: 'claimed', takenOver: true };
  }).immediate();
}

export function finishIdempotencyKey(db: Database.Database, tenantId: string, key: string, answer: string | null): void {
  if (answer === null) db.prepare('DELETE FROM api_idempotency WHERE tenant_id = ? AND key = ? AND answer IS NULL').run(tenantId, key);
  else db.prepare('UPDATE api_idempotency SET answer = ? WHERE tenant_id = ? AND key = ?').run(answer, tenantId, key);
}

export function findEventByBroadcastId(db: Database.Database, key: ImageKey, broadcastId: string): ImageEvent | null {
  const row = db.prepare(`SELECT body FROM events WHERE tenant_id = ? AND url_id = ? AND json_extract(body, '$.broadcastId') = ?
    ORDER BY seq DESC LIMIT 1`).get(key.tenantId, key.urlId, broadcastId) as { body: string } | undefined;
  return row ? JSON.parse(row.body) as ImageEvent : null;
}
