/**
 * Stored sizes, counted as the bytes that go on the wire: the UTF-8 length of a value's JSON, escapes
 * included. A chat's size is exact without serializing its thread, because a chat's JSON is its marker's
 * JSON with the comments' JSON joined by commas inside `"comments":[]`. The planner uses these to refuse
 * a write past a cap; the stores use the same functions to keep their counters, so the two always agree.
 */
import type { Comment, ImageEvent, UnsequencedEvent } from '../../shared/index.js';
import type { ChatMarker } from './write-plan.js';

/** Bytes of `value`'s JSON in UTF-8. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Bytes of the chat's own fields: its JSON with an empty thread. */
const markerBytes = (marker: ChatMarker): number => jsonBytes({ ...marker, comments: [] });

/** Bytes one comment takes in its thread (without the comma before it). */
export const commentBytes = (comment: Comment): number => jsonBytes(comment);

/** The chat's own fields after a move or resolve; unchanged by other events. */
export function markerAfter(marker: ChatMarker, event: UnsequencedEvent | ImageEvent): ChatMarker {
  if (event.type !== 'image-chat-updated') return marker;
  if (event.change === 'moved') return { ...marker, x: event.x ?? marker.x, y: event.y ?? marker.y };
  if (event.change === 'resolved') return { ...marker, resolved: event.resolved ?? marker.resolved };
  return marker;
}

/** What a thread's size depends on, as stored before a write. */
interface ThreadBefore {
  chat: ChatMarker | null;
  commentCount: number;
  /** The comment the event edits or deletes. */
  comment: Comment | null;
  threadBytes: number;
}

/**
 * The thread's size after `event` (0 once deleted), from its size before. Exact: the comma between two
 * comments is counted, so the result equals `jsonBytes(chat)` of the chat a snapshot would then carry.
 */
export function threadBytesAfter(before: ThreadBefore, event: UnsequencedEvent | ImageEvent): number {
  if (event.type === 'new-image-chat') return jsonBytes(event.chat);
  if (event.type === 'deleted-image-chat') return 0;
  const { chat, commentCount, comment, threadBytes } = before;
  switch (event.change) {
    case 'comment-added':
      return event.comment ? threadBytes + commentBytes(event.comment) + (commentCount > 0 ? 1 : 0) : threadBytes;
    case 'comment-edited':
      return event.comment && comment ? threadBytes - commentBytes(comment) + commentBytes(event.comment) : threadBytes;
    case 'comment-deleted':
      return comment ? threadBytes - commentBytes(comment) - (commentCount > 1 ? 1 : 0) : threadBytes;
    case 'moved':
    case 'resolved':
      return chat ? threadBytes - markerBytes(chat) + markerBytes(markerAfter(chat, event)) : threadBytes;
  }
}
