/**
 * The types of planning a write, shared by the core (which plans) and the stores (which read what a write
 * names, ask the planner inside their transaction, and store the planned event with the image's next seq).
 */
import type { Author, Chat, Comment, ErrorCode, ImageEvent, UnsequencedEvent } from '../../shared/index.js';

/** A marker without its thread: the chat's own fields, as its row stores them. */
export type ChatMarker = Omit<Chat, 'comments'>;

/**
 * What a write names, so the store reads just that (never a whole thread) inside the write's transaction.
 * The core builds it from the message.
 */
export interface WriteTarget {
  /** The chat the write acts on; null for a create-chat without a client-made id. */
  chatId: string | null;
  /** The comment the write names in `chatId`'s thread: edited, deleted, or a client-made id for a new one. */
  commentId: string | null;
  /** Whose markers on the image to count (`authorChatCount`): the acting person's, for a create-chat. */
  authorId: string | null;
  /** Who acts: the author webhooks name for the change (server/store/webhook-outbox.ts). */
  actor: Author;
}

/**
 * What the write planner sees, read inside the write's transaction. Sizes are bytes on the wire: the UTF-8
 * length of the JSON a chat takes in a snapshot (wire-size.ts).
 */
export interface WriteContext {
  /** The named chat's own fields, or null if it does not exist. */
  chat: ChatMarker | null;
  /** Comments in the named chat's thread (0 without a chat). */
  commentCount: number;
  /** The comment `WriteTarget.commentId` names, if it is in the chat's thread. */
  comment: Comment | null;
  /** True when `comment` opens the thread (the marker's first comment). */
  commentIsFirst: boolean;
  /** The named chat's stored size (its JSON with all its comments); 0 without a chat. */
  threadBytes: number;
  /** The image's stored size: the sum of its chats' sizes. */
  imageBytes: number;
  /** Markers on the image now. */
  chatCount: number;
  /** Markers ever made on the image (the last number given): a new marker gets the next. */
  markersMade: number;
  /** Markers of `WriteTarget.authorId` on the image now; 0 when no author was named. */
  authorChatCount: number;
  /** The image's current seq (0 when never written); a stored write gets seq + 1. */
  seq: number;
  /** Server time for the write, milliseconds. */
  now: number;
}

export type WritePlan = { ok: true; event: UnsequencedEvent } | { ok: false; code: ErrorCode; message: string };

/**
 * A stored write's event, and `webhooks`: whether its transaction may have queued deliveries to the tenant's
 * webhook endpoints (false: certainly none, so the dispatcher need not look).
 */
export type WriteOutcome = { ok: true; event: ImageEvent; webhooks: boolean } | { ok: false; code: ErrorCode; message: string };

