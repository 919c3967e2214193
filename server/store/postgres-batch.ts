/**
 * Planning a batch of writes to one image for the PostgreSQL store, in memory and pure: the rows the batch
 * names are read once (postgres-write.ts), then each write is planned against the state the writes before it
 * left, exactly as if they ran one by one, and the batch's row changes are collected to be stored at once.
 */
import { withSeq, type Comment, type ImageEvent, type ImageKey } from '../../shared/index.js';
import { countersAfter, rowChange, writeContext, type ChatState, type ImageCounters, type RowChange } from './row-change.js';
import type { WriteContext, WriteOutcome, WritePlan, WriteTarget } from '../core/write-plan.js';
import { outboxEntry, type OutboxEntry } from './webhook-outbox.js';

export interface PendingWrite {
  key: ImageKey;
  target: WriteTarget;
  plan(context: WriteContext): WritePlan;
}

/** A comment as stored: its ordinal gives thread order (0 opens the thread). */
export interface StoredComment { comment: Comment; ordinal: number }

/** What the batch's writes named, as read under the image's row lock. */
export interface BatchState {
  image: ImageCounters;
  /** The named chats that exist, by id. */
  chats: Map<string, ChatState>;
  /** The named comments that exist, by `commentKey`. */
  comments: Map<string, StoredComment>;
  /** Markers on the image per named author. */
  authorCounts: Map<string, number>;
  /** The tenant has an enabled webhook endpoint: the batch's events get outbox entries. */
  webhooks: boolean;
}

/** What a planned batch changes. */
export interface BatchChange {
  /** The image's counters after the batch. */
  image: ImageCounters;
  events: ImageEvent[];
  /** Row changes, in seq order. */
  rows: RowChange[];
  /** The events' webhook deliveries to record (webhook-outbox.ts), in seq order. */
  outbox: OutboxEntry[];
}

/** Map key of a comment: ids may hold any character, so no separator could be safe. */
export const commentKey = (chatId: string, commentId: string): string => JSON.stringify([chatId, commentId]);

/** Applies one row change to the batch's state, so the next write sees it. */
function applyToState(state: BatchState, before: ChatState | null, change: RowChange): void {
  if (change.chat) state.chats.set(change.chatId, change.chat);
  else state.chats.delete(change.chatId);
  for (const comment of change.comments) {
    switch (comment.kind) {
      case 'insert':
        state.comments.set(commentKey(comment.chatId, comment.comment.id), { comment: comment.comment, ordinal: comment.ordinal });
        break;
      case 'update': {
        const key = commentKey(comment.chatId, comment.comment.id);
        const stored = state.comments.get(key);
        if (stored) state.comments.set(key, { ...stored, comment: comment.comment });
        break;
      }
      case 'delete':
        state.comments.delete(commentKey(comment.chatId, comment.commentId));
        break;
      case 'delete-thread':
        for (const key of [...state.comments.keys()]) if ((JSON.parse(key) as [string, string])[0] === comment.chatId) state.comments.delete(key);
        break;
    }
  }
  // A marker made or deleted changes its author's count; only authors a write of the batch names are tracked.
  const marker = change.chatCountDelta === 0 ? undefined : (change.chat ?? before)?.marker;
  const count = marker ? state.authorCounts.get(marker.author.id) : undefined;
  if (marker && count !== undefined) state.authorCounts.set(marker.author.id, count + change.chatCountDelta);
  state.image = { ...countersAfter(state.image, change), seq: state.image.seq };
}

/**
 * Plans the writes in order, each seeing what the ones before it left (the chat, the comment, the counts
 * and sizes), and assigns consecutive seqs after the image's. Pure: nothing is stored; `state` is consumed.
 */
export function planBatch(state: BatchState, writes: PendingWrite[]): { outcomes: WriteOutcome[]; change: BatchChange } {
  const events: ImageEvent[] = [];
  const rows: RowChange[] = [];
  const outcomes: WriteOutcome[] = [];
  const outbox: OutboxEntry[] = [];
  for (const { target, plan } of writes) {
    const chat = target.chatId ? (state.chats.get(target.chatId) ?? null) : null;
    const named = chat && target.commentId ? (state.comments.get(commentKey(chat.marker.id, target.commentId)) ?? null) : null;
    const planned = plan(writeContext({
      chat, comment: named, image: state.image, authorChatCount: target.authorId ? (state.authorCounts.get(target.authorId) ?? 0) : 0,
    }));
    if (!planned.ok) {
      outcomes.push(planned);
      continue;
    }
    state.image.seq += 1;
    const event = withSeq(planned.event, state.image.seq);
    const before = state.chats.get(event.chatId) ?? null;
    const change = rowChange(before, before === chat ? (named?.comment ?? null) : null, event);
    applyToState(state, before, change);
    rows.push(change);
    events.push(event);
    if (state.webhooks) outbox.push(outboxEntry(event, target.actor, Date.now()));
    outcomes.push({ ok: true, event, webhooks: state.webhooks });
  }
  return { outcomes, change: { image: { ...state.image }, events, rows, outbox } };
}
