/**
 * The two round trips of a PostgreSQL write, kept apart from the store class because they are built as plain
 * SQL text: a simple-protocol message may hold several statements (parameters may not), which is what lets a
 * write hold the image's row lock for two round trips instead of five. Every value is escaped with the
 * driver's `escapeLiteral` or checked to be an integer.
 *
 * 1. `BEGIN; SELECT … FOR UPDATE; SELECT chat` — the chat is read after the lock is granted, so it includes
 *    every write committed before (READ COMMITTED takes a fresh snapshot per statement).
 * 2. `WITH chat, image, event DELETE old events; COMMIT` — the whole change in one statement, then the commit.
 */
import type pg from 'pg';
import type { Chat, ImageEvent, ImageKey } from '../../shared/index.js';

export interface ImageRow { seq: number; epoch: string; chat_count: number }

export interface Locked {
  /** Null when the image has no row yet (the caller creates it and locks again). */
  image: ImageRow | null;
  chat: Chat | null;
}

export interface Change {
  seq: number;
  /** +1 for a new chat, −1 for a deleted one, else 0. */
  countDelta: number;
  event: ImageEvent;
  /** The chat after the event, or null when the event deletes it. */
  after: Chat | null;
  /** Events with a seq at or below this are pruned from the log. */
  pruneUpTo: number;
}

const integer = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
};

/** A multi-statement query answers with one result per statement. */
function results(answer: pg.QueryResult | pg.QueryResult[]): pg.QueryResult[] {
  return Array.isArray(answer) ? answer : [answer];
}

function imageWhere(client: pg.PoolClient, key: ImageKey): string {
  return `tenant_id = ${client.escapeLiteral(key.tenantId)} AND url_id = ${client.escapeLiteral(key.urlId)}`;
}

/** Opens the transaction, locks the image's row and reads the chat, in one round trip. */
export async function beginAndLock(client: pg.PoolClient, key: ImageKey, chatId: string | null): Promise<Locked> {
  const where = imageWhere(client, key);
  const chatQuery = chatId ? `SELECT body FROM chats WHERE ${where} AND id = ${client.escapeLiteral(chatId)}` : 'SELECT NULL::jsonb AS body WHERE false';
  const answer: pg.QueryResult | pg.QueryResult[] = await client.query(`BEGIN; SELECT seq, epoch, chat_count FROM images WHERE ${where} FOR UPDATE; ${chatQuery}`);
  const [, imageResult, chatResult] = results(answer);
  const image = (imageResult?.rows[0] as ImageRow | undefined) ?? null;
  const chat = (chatResult?.rows[0] as { body: Chat } | undefined)?.body ?? null;
  return { image, chat };
}

/** Stores the change (chat, seq, event, pruning) and commits, in one round trip. */
export async function storeAndCommit(client: pg.PoolClient, key: ImageKey, change: Change): Promise<void> {
  const where = imageWhere(client, key);
  const tenant = client.escapeLiteral(key.tenantId);
  const url = client.escapeLiteral(key.urlId);
  const chatStatement = change.after
    ? `INSERT INTO chats (tenant_id, url_id, id, created_at, body) VALUES (${tenant}, ${url}, ${client.escapeLiteral(change.after.id)}, ${integer(change.after.createdAt)}, ${client.escapeLiteral(JSON.stringify(change.after))}::jsonb)
       ON CONFLICT (tenant_id, url_id, id) DO UPDATE SET body = EXCLUDED.body RETURNING 1`
    : `DELETE FROM chats WHERE ${where} AND id = ${client.escapeLiteral(change.event.chatId)} RETURNING 1`;
  await client.query(`WITH chat AS (${chatStatement}),
      image AS (UPDATE images SET seq = ${integer(change.seq)}, chat_count = chat_count + ${integer(change.countDelta)} WHERE ${where} RETURNING 1),
      event AS (INSERT INTO events (tenant_id, url_id, seq, body) VALUES (${tenant}, ${url}, ${integer(change.seq)}, ${client.escapeLiteral(JSON.stringify(change.event))}::jsonb) RETURNING 1)
    DELETE FROM events WHERE ${where} AND seq <= ${integer(change.pruneUpTo)};
    COMMIT`);
}
