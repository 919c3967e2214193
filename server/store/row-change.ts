/**
 * What one stored event does to the rows, for both stores: the chat's row after it, the comment rows it
 * inserts, updates or deletes, and the change to the image's counters. The one definition of the mapping
 * from events to rows; SQLite runs it per write, PostgreSQL over a batch (and on its in-memory state).
 */
import type { Comment, ImageEvent } from '../../shared/index.js';
import type { ChatMarker, WriteContext } from '../core/write-plan.js';
import { markerAfter, threadBytesAfter } from '../core/wire-size.js';

/** A chat's row: its own fields and the counters kept beside them. */
export interface ChatState {
  marker: ChatMarker;
  /** Comments in the thread. */
  commentCount: number;
  /** The ordinal the next comment gets: thread order survives deletes. The first comment has 0. */
  nextOrdinal: number;
  /** The chat's size on the wire, thread included (wire-size.ts). */
  bytes: number;
}

/** An image's counters: its seq, its markers now and ever made (the last number given), and its stored size in wire bytes. */
export interface ImageCounters { seq: number; chatCount: number; markersMade: number; bytes: number }

/** The `images` row's counters as both stores answer them (PostgreSQL's bigint as a string); absent before the first write. */
export interface ImageRow { seq: number; chat_count: number; markers_made: number; bytes: number | string }

/** A marker's columns of a `chats` row as both stores answer them (SQLite's booleans are 0/1, PostgreSQL's bigints strings). */
export interface MarkerRow {
  id: string; number: number; x: number; y: number; author_id: string; author_name: string; created_at: number | string; resolved: number | boolean;
}

/** The `chats` columns of a marker, in `MarkerRow`'s order, for SELECTs. */
export const MARKER_COLUMNS = 'id, number, x, y, author_id, author_name, created_at, resolved';

/** A whole `chats` row: the marker and the counters kept beside it. */
export interface ChatRow extends MarkerRow { comment_count: number; next_ordinal: number; bytes: number }

export const toMarker = (row: MarkerRow): ChatMarker => ({
  id: row.id, number: row.number, x: row.x, y: row.y, author: { id: row.author_id, name: row.author_name },
  createdAt: Number(row.created_at), resolved: row.resolved === true || row.resolved === 1,
});

/** The counters of an image row, or of an image never written. */
export const imageCounters = (row: ImageRow | undefined): ImageCounters =>
  ({ seq: row?.seq ?? 0, chatCount: row?.chat_count ?? 0, markersMade: row?.markers_made ?? 0, bytes: Number(row?.bytes ?? 0) });

export const toChatState = (row: ChatRow): ChatState => ({
  marker: toMarker(row),
  commentCount: row.comment_count,
  nextOrdinal: row.next_ordinal,
  bytes: row.bytes,
});

/** What a store read before planning a write: the named chat's row and comment, and the image's counters. */
export interface StoredBefore {
  chat: ChatState | null;
  /** The named comment with its ordinal in the thread, if it is there. */
  comment: { comment: Comment; ordinal: number } | null;
  image: ImageCounters;
  authorChatCount: number;
}

/** The planner's view of what is stored: one shape for both stores. */
export function writeContext({ chat, comment, image, authorChatCount }: StoredBefore): WriteContext {
  return {
    chat: chat?.marker ?? null,
    commentCount: chat?.commentCount ?? 0,
    comment: comment?.comment ?? null,
    commentIsFirst: comment?.ordinal === 0,
    threadBytes: chat?.bytes ?? 0,
    imageBytes: image.bytes,
    chatCount: image.chatCount,
    markersMade: image.markersMade,
    authorChatCount,
    seq: image.seq,
    now: Date.now(),
  };
}

export type CommentChange =
  | { kind: 'insert'; chatId: string; comment: Comment; ordinal: number }
  | { kind: 'update'; chatId: string; comment: Comment }
  | { kind: 'delete'; chatId: string; commentId: string }
  | { kind: 'delete-thread'; chatId: string };

export interface RowChange {
  chatId: string;
  /** The chat's row after the event; null: deleted. */
  chat: ChatState | null;
  /** In order. */
  comments: CommentChange[];
  chatCountDelta: number;
  /** Change of the image's size. */
  bytesDelta: number;
  /** The number of the marker this change made; 0 for any other change. */
  madeNumber: number;
}

/** The image's counters after `change` (its seq is the caller's to set). */
export const countersAfter = (image: ImageCounters, change: RowChange): ImageCounters => ({
  seq: image.seq,
  chatCount: image.chatCount + change.chatCountDelta,
  markersMade: Math.max(image.markersMade, change.madeNumber),
  bytes: image.bytes + change.bytesDelta,
});

/**
 * The rows' change for `event`, from the chat's row before it and the comment it names (edited or deleted).
 * Throws for an update of a chat that does not exist: the planner refuses those, so it would be a bug.
 */
export function rowChange(before: ChatState | null, named: Comment | null, event: ImageEvent): RowChange {
  const bytes = threadBytesAfter({ chat: before?.marker ?? null, commentCount: before?.commentCount ?? 0, comment: named, threadBytes: before?.bytes ?? 0 }, event);
  const bytesDelta = bytes - (before?.bytes ?? 0);
  const { chatId } = event;
  if (event.type === 'new-image-chat') {
    const { comments, ...marker } = event.chat;
    const inserts = comments.map((comment, ordinal): CommentChange => ({ kind: 'insert', chatId, comment, ordinal }));
    return { chatId, chat: { marker, commentCount: comments.length, nextOrdinal: comments.length, bytes }, comments: inserts, chatCountDelta: 1, bytesDelta, madeNumber: marker.number };
  }
  if (event.type === 'deleted-image-chat') {
    return { chatId, chat: null, comments: [{ kind: 'delete-thread', chatId }], chatCountDelta: before ? -1 : 0, bytesDelta, madeNumber: 0 };
  }
  if (!before) throw new Error(`${event.change} of chat ${chatId}, which is not stored`);
  const unchanged = { chatId, chatCountDelta: 0, bytesDelta, madeNumber: 0 };
  switch (event.change) {
    case 'comment-added': {
      if (!event.comment) throw new Error('comment-added without its comment');
      const chat = { ...before, commentCount: before.commentCount + 1, nextOrdinal: before.nextOrdinal + 1, bytes };
      return { ...unchanged, chat, comments: [{ kind: 'insert', chatId, comment: event.comment, ordinal: before.nextOrdinal }] };
    }
    case 'comment-edited':
      if (!event.comment) throw new Error('comment-edited without its comment');
      return { ...unchanged, chat: { ...before, bytes }, comments: [{ kind: 'update', chatId, comment: event.comment }] };
    case 'comment-deleted':
      if (!event.commentId) throw new Error('comment-deleted without its id');
      return { ...unchanged, chat: { ...before, commentCount: before.commentCount - 1, bytes }, comments: [{ kind: 'delete', chatId, commentId: event.commentId }] };
    case 'moved':
    case 'resolved':
      return { ...unchanged, chat: { ...before, marker: markerAfter(before.marker, event), bytes }, comments: [] };
  }
}
