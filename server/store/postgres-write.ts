/**
 * How the PostgreSQL store writes: a batch of writes to one image (one, when the image is quiet; more under
 * load) in one transaction that holds the image's row lock for two round trips:
 *
 * 1. `BEGIN; SELECT … FOR UPDATE; SELECT the chats the writes name` — the chats are read after the lock is
 *    granted, so they include every write committed before (READ COMMITTED takes a fresh snapshot per
 *    statement);
 * 2. the batch's changes (each chat's final state, the image's seq and count, the events, the pruning of the
 *    log) and `COMMIT`.
 *
 * Each round trip is one simple-protocol message of several statements, which cannot take parameters: every
 * value is escaped with the driver's `escapeLiteral` or checked to be an integer.
 */
import type pg from 'pg';
import { applyEventToChat, type Chat, type ImageEvent, type ImageKey } from '../../shared/index.js';
import type { WriteContext, WriteOutcome, WritePlan } from './types.js';

export interface ImageRow { seq: number; epoch: string; chat_count: number }

export interface Locked {
  /** Null when the image has no row yet (the caller creates it and locks again). */
  image: ImageRow | null;
  /** The named chats that exist, by id. */
  chats: Map<string, Chat>;
}

export interface PendingWrite {
  key: ImageKey;
  chatId: string | null;
  plan(context: WriteContext): WritePlan;
}

/** What a planned batch changes. */
export interface Change {
  /** The image's seq after the batch. */
  seq: number;
  countDelta: number;
  events: ImageEvent[];
  /** The final state of each chat the batch touched; null: deleted. */
  chats: Map<string, Chat | null>;
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

/** Opens the transaction, locks the image's row and reads the named chats, in one round trip. */
export async function beginAndLock(client: pg.PoolClient, key: ImageKey, chatIds: string[]): Promise<Locked> {
  const where = imageWhere(client, key);
  const chatQuery = chatIds.length > 0
    ? `SELECT body FROM chats WHERE ${where} AND id IN (${chatIds.map((id) => client.escapeLiteral(id)).join(', ')})`
    : 'SELECT NULL::jsonb AS body WHERE false';
  const answer: pg.QueryResult | pg.QueryResult[] = await client.query(`BEGIN; SELECT seq, epoch, chat_count FROM images WHERE ${where} FOR UPDATE; ${chatQuery}`);
  const [, imageResult, chatResult] = results(answer);
  const image = (imageResult?.rows[0] as ImageRow | undefined) ?? null;
  const chats = new Map(((chatResult?.rows ?? []) as { body: Chat }[]).map((row) => [row.body.id, row.body]));
  return { image, chats };
}

/**
 * Plans the writes in order, each seeing the state the ones before it left (the chat, the marker count), and
 * assigns consecutive seqs after the image's. Pure: nothing is stored.
 */
export function planBatch(image: ImageRow, found: Map<string, Chat>, writes: PendingWrite[]): { outcomes: WriteOutcome[]; change: Change } {
  const chats = new Map<string, Chat | null>(found);
  const touched = new Map<string, Chat | null>();
  const events: ImageEvent[] = [];
  const outcomes: WriteOutcome[] = [];
  let seq = image.seq;
  let count = image.chat_count;
  for (const write of writes) {
    const chat = write.chatId ? (chats.get(write.chatId) ?? null) : null;
    const planned = write.plan({ chat, chatCount: count, now: Date.now() });
    if (!planned.ok) {
      outcomes.push(planned);
      continue;
    }
    seq += 1;
    const event = { ...planned.event, seq } as ImageEvent;
    const after = applyEventToChat(chats.get(event.chatId) ?? null, event);
    chats.set(event.chatId, after);
    touched.set(event.chatId, after);
    count += event.type === 'new-image-chat' ? 1 : event.type === 'deleted-image-chat' ? -1 : 0;
    events.push(event);
    outcomes.push({ ok: true, event });
  }
  return { outcomes, change: { seq, countDelta: count - image.chat_count, events, chats: touched } };
}

/** Stores the change and commits, in one round trip. */
export async function storeAndCommit(client: pg.PoolClient, key: ImageKey, change: Change, pruneUpTo: number): Promise<void> {
  const where = imageWhere(client, key);
  const tenant = client.escapeLiteral(key.tenantId);
  const url = client.escapeLiteral(key.urlId);
  const statements: string[] = [];
  for (const [id, chat] of change.chats) {
    statements.push(chat
      ? `INSERT INTO chats (tenant_id, url_id, id, created_at, body) VALUES (${tenant}, ${url}, ${client.escapeLiteral(id)}, ${integer(chat.createdAt)}, ${client.escapeLiteral(JSON.stringify(chat))}::jsonb)
         ON CONFLICT (tenant_id, url_id, id) DO UPDATE SET body = EXCLUDED.body`
      : `DELETE FROM chats WHERE ${where} AND id = ${client.escapeLiteral(id)}`);
  }
  statements.push(`UPDATE images SET seq = ${integer(change.seq)}, chat_count = chat_count + ${integer(change.countDelta)} WHERE ${where}`);
  const rows = change.events.map((event) => `(${tenant}, ${url}, ${integer(event.seq)}, ${client.escapeLiteral(JSON.stringify(event))}::jsonb)`);
  statements.push(`INSERT INTO events (tenant_id, url_id, seq, body) VALUES ${rows.join(', ')}`);
  statements.push(`DELETE FROM events WHERE ${where} AND seq <= ${integer(pruneUpTo)}`);
  statements.push('COMMIT');
  await client.query(statements.join(';\n'));
}
