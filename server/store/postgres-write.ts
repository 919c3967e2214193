/**
 * How the PostgreSQL store writes: a batch of writes to one image (one, when the image is quiet; more under
 * load) in one transaction that holds the image's row lock for two round trips:
 *
 * 1. `BEGIN`, make the image's row if it has none (rolled back with the rest if nothing is stored), `SELECT …
 *    FOR UPDATE` it, then read what the writes name: their chats' rows, their comments, their authors' marker
 *    counts. These are read after the lock is granted, so they include every write committed before (READ
 *    COMMITTED takes a fresh snapshot per statement). Never a whole thread.
 * 2. the batch's rows (planned in postgres-batch.ts: one comment row per comment written, each touched
 *    chat's row once), the image's counters, the events, the pruning of the log, and `COMMIT`.
 *
 * Each round trip is one simple-protocol message of several statements, which cannot take parameters: every
 * value is escaped with the driver's `escapeLiteral` or checked to be a finite number.
 */
import type pg from 'pg';
import type { Comment, ImageKey } from '../../shared/index.js';
import { imageCounters, MARKER_COLUMNS, toChatState, type ChatRow, type ChatState, type ImageRow } from './row-change.js';
import { commentKey, type BatchChange, type BatchState, type PendingWrite } from './postgres-batch.js';

const integer = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};

/** A float8 literal that reads back as the same double (JavaScript prints the shortest exact form). */
const float = (value: number): string => {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return `'${String(value)}'::float8`;
};

/** A multi-statement query answers with one result per statement. */
function results(answer: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(answer) ? answer : [answer];
}

function imageWhere(client: pg.PoolClient, key: ImageKey): string {
  return `tenant_id = ${client.escapeLiteral(key.tenantId)} AND url_id = ${client.escapeLiteral(key.urlId)}`;
}

/** A statement with the same columns and no rows, so results keep their places when nothing is named. */
const NOTHING = 'SELECT NULL WHERE false';

/**
 * Opens the transaction, makes sure the image has a row (with `epoch`, the store's, if it is made now), locks
 * it and reads what the writes name, in one round trip.
 */
export async function beginAndLock(client: pg.PoolClient, key: ImageKey, epoch: string, writes: PendingWrite[]): Promise<BatchState> {
  const where = imageWhere(client, key);
  const literal = (value: string) => client.escapeLiteral(value);
  const chatIds = [...new Set(writes.flatMap((w) => (w.target.chatId === null ? [] : [w.target.chatId])))];
  const commentPairs = [...new Map(writes.flatMap((w) => (w.target.chatId !== null && w.target.commentId !== null
    ? [[commentKey(w.target.chatId, w.target.commentId), `(${literal(w.target.chatId)}, ${literal(w.target.commentId)})`] as const] : []))).values()];
  const authorIds = [...new Set(writes.flatMap((w) => (w.target.authorId === null ? [] : [w.target.authorId])))];
  const statements = [
    'BEGIN',
    `INSERT INTO images (tenant_id, url_id, epoch) VALUES (${literal(key.tenantId)}, ${literal(key.urlId)}, ${literal(epoch)}) ON CONFLICT (tenant_id, url_id) DO NOTHING`,
    `SELECT seq, chat_count, markers_made, bytes FROM images WHERE ${where} FOR UPDATE`,
    chatIds.length === 0 ? NOTHING : `SELECT ${MARKER_COLUMNS}, comment_count, next_ordinal, bytes
      FROM chats WHERE ${where} AND id IN (${chatIds.map(literal).join(', ')})`,
    commentPairs.length === 0 ? NOTHING : `SELECT chat_id, ordinal, body FROM comments WHERE ${where} AND (chat_id, id) IN (${commentPairs.join(', ')})`,
    authorIds.length === 0 ? NOTHING : `SELECT author_id, count(*)::int AS n FROM chats WHERE ${where} AND author_id IN (${authorIds.map(literal).join(', ')}) GROUP BY author_id`,
    // Read in the same round trip: without an endpoint, the batch builds no webhook bodies at all.
    `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id = ${literal(key.tenantId)} AND enabled) AS webhooks`,
  ];
  const answer: pg.QueryResult | pg.QueryResult[] = await client.query(statements.join(';\n'));
  const [, , imageResult, chatResult, commentResult, authorResult, webhookResult] = results(answer);
  const image = imageResult?.rows[0] as ImageRow | undefined;
  if (!image) throw new Error(`image row missing for ${key.tenantId} ${key.urlId}`);
  const chats = new Map(((chatResult?.rows ?? []) as ChatRow[]).map((row) => [row.id, toChatState(row)]));
  const comments = new Map(((commentResult?.rows ?? []) as { chat_id: string; ordinal: number; body: Comment }[])
    .map((row) => [commentKey(row.chat_id, row.body.id), { comment: row.body, ordinal: row.ordinal }]));
  const authorCounts = new Map(authorIds.map((id) => [id, 0]));
  for (const row of (authorResult?.rows ?? []) as { author_id: string; n: number }[]) authorCounts.set(row.author_id, row.n);
  return { image: imageCounters(image), chats, comments, authorCounts, webhooks: (webhookResult?.rows[0] as { webhooks?: boolean } | undefined)?.webhooks === true };
}

/** Stores the batch's change and commits, in one round trip. */
export async function storeAndCommit(client: pg.PoolClient, key: ImageKey, change: BatchChange, pruneUpTo: number): Promise<void> {
  const where = imageWhere(client, key);
  const literal = (value: string) => client.escapeLiteral(value);
  const tenant = literal(key.tenantId);
  const url = literal(key.urlId);
  const json = (value: unknown) => `${literal(JSON.stringify(value))}::jsonb`;
  const statements: string[] = [];
  // Each chat's row is written once, in its final state: a batch of comments on one thread updates it once.
  // Every column is set, since a chat deleted and made again under the same id in one batch is a new marker.
  const finalChats = new Map<string, ChatState | null>();
  for (const row of change.rows) {
    finalChats.set(row.chatId, row.chat);
    for (const comment of row.comments) {
      const chat = literal(comment.chatId);
      switch (comment.kind) {
        case 'insert':
          statements.push(`INSERT INTO comments (tenant_id, url_id, chat_id, id, ordinal, created_at, body) VALUES (${tenant}, ${url}, ${chat},
            ${literal(comment.comment.id)}, ${integer(comment.ordinal)}, ${integer(comment.comment.createdAt)}, ${json(comment.comment)})`);
          break;
        case 'update':
          statements.push(`UPDATE comments SET body = ${json(comment.comment)} WHERE ${where} AND chat_id = ${chat} AND id = ${literal(comment.comment.id)}`);
          break;
        case 'delete':
          statements.push(`DELETE FROM comments WHERE ${where} AND chat_id = ${chat} AND id = ${literal(comment.commentId)}`);
          break;
        case 'delete-thread':
          statements.push(`DELETE FROM comments WHERE ${where} AND chat_id = ${chat}`);
          break;
      }
    }
  }
  for (const [id, chat] of finalChats) {
    if (!chat) {
      statements.push(`DELETE FROM chats WHERE ${where} AND id = ${literal(id)}`);
      continue;
    }
    const { marker } = chat;
    statements.push(`INSERT INTO chats (tenant_id, url_id, id, number, x, y, author_id, author_name, created_at, resolved, comment_count, next_ordinal, bytes)
      VALUES (${tenant}, ${url}, ${literal(id)}, ${integer(marker.number)}, ${float(marker.x)}, ${float(marker.y)}, ${literal(marker.author.id)}, ${literal(marker.author.name)},
        ${integer(marker.createdAt)}, ${marker.resolved ? 'true' : 'false'}, ${integer(chat.commentCount)}, ${integer(chat.nextOrdinal)}, ${integer(chat.bytes)})
      ON CONFLICT (tenant_id, url_id, id) DO UPDATE SET number = EXCLUDED.number, x = EXCLUDED.x, y = EXCLUDED.y, resolved = EXCLUDED.resolved,
        author_id = EXCLUDED.author_id, author_name = EXCLUDED.author_name, created_at = EXCLUDED.created_at,
        comment_count = EXCLUDED.comment_count, next_ordinal = EXCLUDED.next_ordinal, bytes = EXCLUDED.bytes`);
  }
  const { image } = change;
  // `last_activity`: the time of the image's last stored write, for the REST API's list of images.
  statements.push(`UPDATE images SET seq = ${integer(image.seq)}, chat_count = ${integer(image.chatCount)}, markers_made = ${integer(image.markersMade)},
    bytes = ${integer(image.bytes)},
    last_activity = ${integer(Date.now())} WHERE ${where}`);
  const rows = change.events.map((event) => `(${tenant}, ${url}, ${integer(event.seq)}, ${json(event)})`);
  statements.push(`INSERT INTO events (tenant_id, url_id, seq, body) VALUES ${rows.join(', ')}`);
  statements.push(`DELETE FROM events WHERE ${where} AND seq <= ${integer(pruneUpTo)}`);
  // The events' webhook deliveries, in the same transaction (webhook-outbox.ts). Inserted under the image's row
  // lock, so their ids follow seq order per image, which delivery order relies on.
  for (const entry of change.outbox) {
    statements.push(`INSERT INTO webhook_deliveries (endpoint_id, tenant_id, url_id, seq, event_id, event_type, payload, state, next_attempt_at, created_at)
      SELECT id, ${tenant}, ${url}, ${integer(entry.seq)}, ${literal(entry.eventId)}, ${literal(entry.type)}, ${literal(entry.payload)}, 'pending',
        ${integer(entry.now)}, ${integer(entry.now)}
      FROM webhook_endpoints WHERE tenant_id = ${tenant} AND enabled AND (events = '*' OR position(${literal(entry.pattern)} in events) > 0)`);
  }
  statements.push('COMMIT');
  await client.query(statements.join(';\n'));
}
