/**
 * How the SQLite store writes. Group commit: writes that arrive in the same turn of the event loop are stored
 * in one IMMEDIATE transaction, so one fsync makes them all durable. Each write reads only what it names (the
 * image's counters, the chat's row, one comment, a count of the author's markers), asks its planner, and
 * stores its rows (row-change.ts): an added comment is one new row, never a rewritten thread.
 */
import type Database from 'better-sqlite3';
import { withSeq, type Comment, type ImageKey } from '../../shared/index.js';
import { countersAfter, imageCounters, MARKER_COLUMNS, rowChange, toChatState, writeContext, type ChatRow, type ImageRow, type RowChange, type StoredBefore } from './row-change.js';
import type { WriteContext, WriteOutcome, WritePlan, WriteTarget } from '../core/write-plan.js';
import { KeyedBatcher } from './write-batcher.js';
import { outboxEntry, type OutboxEntry } from './webhook-outbox.js';

interface QueuedWrite {
  key: ImageKey;
  target: WriteTarget;
  plan: (context: WriteContext) => WritePlan;
}

/** The batcher's one key: every image's writes share the database's one writer, so they share a transaction. */
const ALL_IMAGES = '';

const IMAGE = 'tenant_id = ? AND url_id = ?';

export class SqliteWriter {
  private readonly batcher = new KeyedBatcher<QueuedWrite, WriteOutcome>(Infinity, (_all, group) => this.commitGroup(group), { gatherOneTurn: true });

  /**
   * @param sql a prepared statement per SQL text (made once)
   * @param epoch the epoch a new image's row gets: the store's, which reads of unwritten images answer
   */
  constructor(
    private readonly db: Database.Database,
    private readonly sql: (text: string) => Database.Statement,
    private readonly eventLogKeep: number,
    private readonly epoch: () => string,
  ) {}

  /**
   * Queues a write for the next group commit. Each write in a group sees the ones before it (same
   * transaction, in order), so seqs and checks are exactly as if they ran one by one. If the transaction
   * fails (disk full, I/O error), nothing of the group is stored and every write in it is rejected.
   */
  write(key: ImageKey, target: WriteTarget, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome> {
    return this.batcher.add(ALL_IMAGES, { key, target, plan });
  }

  /** Resolves once every write queued so far is committed and answered (a closing store waits for its last writes). */
  idle(): Promise<void> {
    return this.batcher.idle();
  }

  /** One group in one IMMEDIATE transaction; if it throws (disk full, I/O error), every write of the group fails. */
  private commitGroup(group: QueuedWrite[]): WriteOutcome[] {
    return this.db.transaction(() => group.map((write) => this.writeOne(write))).immediate();
  }

  private writeOne({ key, target, plan }: QueuedWrite): WriteOutcome {
    const before = this.before(key, target);
    const { image, chat, comment } = before;
    const planned = plan(writeContext(before));
    if (!planned.ok) return planned;
    const seq = image.seq + 1;
    const event = withSeq(planned.event, seq);
    const named = event.chatId === chat?.marker.id;
    const change = rowChange(named ? chat : null, named ? (comment?.comment ?? null) : null, event);
    this.storeRows(key, change);
    // The first stored write makes the image's row, with the epoch reads answered while there was none.
    // `last_activity`: the time of the image's last stored write, for the REST API's list of images.
    const after = countersAfter(image, change);
    this.sql(`INSERT INTO images (tenant_id, url_id, epoch, seq, chat_count, markers_made, bytes, last_activity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant_id, url_id) DO UPDATE SET seq = excluded.seq, chat_count = excluded.chat_count, markers_made = excluded.markers_made,
        bytes = excluded.bytes, last_activity = excluded.last_activity`)
      .run(key.tenantId, key.urlId, this.epoch(), seq, after.chatCount, after.markersMade, after.bytes, Date.now());
    this.sql(`INSERT INTO events (tenant_id, url_id, seq, body) VALUES (?, ?, ?, ?)`).run(key.tenantId, key.urlId, seq, JSON.stringify(event));
    this.sql(`DELETE FROM events WHERE ${IMAGE} AND seq <= ?`).run(key.tenantId, key.urlId, seq - this.eventLogKeep);
    // Most tenants have no endpoint: then no body is built and nothing is inserted (an indexed look-up instead).
    const webhooks = this.sql('SELECT 1 FROM webhook_endpoints WHERE tenant_id = ? AND enabled = 1 LIMIT 1').get(key.tenantId) !== undefined
      && this.recordDeliveries(key, outboxEntry(event, target.actor, Date.now())) > 0;
    return { ok: true, event, webhooks };
  }

  /** The event's webhook deliveries, in the write's transaction (webhook-outbox.ts); none when the tenant has no endpoint for it. Answers how many. */
  private recordDeliveries(key: ImageKey, entry: OutboxEntry): number {
    return this.sql(`INSERT INTO webhook_deliveries (endpoint_id, tenant_id, url_id, seq, event_id, event_type, payload, state, next_attempt_at, created_at)
      SELECT id, ?, ?, ?, ?, ?, ?, 'pending', ?, ? FROM webhook_endpoints WHERE tenant_id = ? AND enabled = 1 AND (events = '*' OR instr(events, ?) > 0)`)
      .run(key.tenantId, key.urlId, entry.seq, entry.eventId, entry.type, entry.payload, entry.now, entry.now, key.tenantId, entry.pattern).changes;
  }

  /** Reads what the target names, and nothing else. */
  private before(key: ImageKey, target: WriteTarget): StoredBefore {
    const { tenantId, urlId } = key;
    const row = this.sql(`SELECT seq, chat_count, markers_made, bytes FROM images WHERE ${IMAGE}`).get(tenantId, urlId) as ImageRow | undefined;
    const image = imageCounters(row);
    const chatRow = target.chatId
      ? this.sql(`SELECT ${MARKER_COLUMNS}, comment_count, next_ordinal, bytes FROM chats WHERE ${IMAGE} AND id = ?`)
        .get(tenantId, urlId, target.chatId) as ChatRow | undefined
      : undefined;
    const commentRow = chatRow && target.commentId
      ? this.sql(`SELECT ordinal, body FROM comments WHERE ${IMAGE} AND chat_id = ? AND id = ?`).get(tenantId, urlId, chatRow.id, target.commentId) as
        { ordinal: number; body: string } | undefined
      : undefined;
    const authorChatCount = target.authorId
      ? (this.sql(`SELECT count(*) AS n FROM chats WHERE ${IMAGE} AND author_id = ?`).get(tenantId, urlId, target.authorId) as { n: number }).n
      : 0;
    return {
      image,
      chat: chatRow ? toChatState(chatRow) : null,
      comment: commentRow ? { comment: JSON.parse(commentRow.body) as Comment, ordinal: commentRow.ordinal } : null,
      authorChatCount,
    };
  }

  private storeRows(key: ImageKey, change: RowChange): void {
    const { tenantId, urlId } = key;
    for (const comment of change.comments) {
      switch (comment.kind) {
        case 'insert':
          this.sql('INSERT INTO comments (tenant_id, url_id, chat_id, id, ordinal, created_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)')
            .run(tenantId, urlId, comment.chatId, comment.comment.id, comment.ordinal, comment.comment.createdAt, JSON.stringify(comment.comment));
          break;
        case 'update':
          this.sql(`UPDATE comments SET body = ? WHERE ${IMAGE} AND chat_id = ? AND id = ?`)
            .run(JSON.stringify(comment.comment), tenantId, urlId, comment.chatId, comment.comment.id);
          break;
        case 'delete':
          this.sql(`DELETE FROM comments WHERE ${IMAGE} AND chat_id = ? AND id = ?`).run(tenantId, urlId, comment.chatId, comment.commentId);
          break;
        case 'delete-thread':
          this.sql(`DELETE FROM comments WHERE ${IMAGE} AND chat_id = ?`).run(tenantId, urlId, comment.chatId);
          break;
      }
    }
    const { chat } = change;
    if (!chat) {
      this.sql(`DELETE FROM chats WHERE ${IMAGE} AND id = ?`).run(tenantId, urlId, change.chatId);
      return;
    }
    const { marker } = chat;
    this.sql(`INSERT INTO chats (tenant_id, url_id, id, number, x, y, author_id, author_name, created_at, resolved, comment_count, next_ordinal, bytes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (tenant_id, url_id, id) DO UPDATE SET x = excluded.x, y = excluded.y, resolved = excluded.resolved,
        comment_count = excluded.comment_count, next_ordinal = excluded.next_ordinal, bytes = excluded.bytes`)
      .run(tenantId, urlId, marker.id, marker.number, marker.x, marker.y, marker.author.id, marker.author.name, marker.createdAt, marker.resolved ? 1 : 0,
        chat.commentCount, chat.nextOrdinal, chat.bytes);
  }
}
