/**
 * Building the event a write becomes, written once: the server's planner makes the event it stores (after its
 * rules and limits passed), the widget the one it shows before the server answers. Only the time, the ids it
 * makes and the seq differ between the two.
 */
import type { ImageEvent } from './messages.js';
import type { WriteMessage } from './messages.js';
import type { Author, Comment } from './model.js';

/** An event without its seq: the store assigns the seq in the transaction that stores it. */
export type UnsequencedEvent = ImageEvent extends infer E ? (E extends ImageEvent ? Omit<E, 'seq'> : never) : never;

/**
 * The event with a seq. The one place the distributed `Omit` is put back together (the compiler cannot see
 * that adding `seq` restores each member).
 */
export const withSeq = (event: UnsequencedEvent, seq: number): ImageEvent => ({ ...event, seq }) as ImageEvent;

/** Who writes, when, how new ids are made, and the comment an `edit-comment` names as it is now. */
interface WriteCircumstances {
  author: Author;
  /** Milliseconds since the epoch: the server's time, or the client's for an optimistic event. */
  now: number;
  /** Makes an id for a chat or comment the client did not name. */
  newId(): string;
  /** The comment `edit-comment` names, as stored or shown; null if it is not there. */
  editedComment: Comment | null;
  /** The number a new marker gets: the server's next for the image; 0 for one the widget shows before the server stores it. */
  markerNumber: number;
}

/**
 * The event `message` becomes, or null for an `edit-comment` of a comment that is not there. It checks no
 * rule (who may do what, limits): callers do that first.
 * @example
 * const event = eventForWrite(message, { author, now: Date.now(), newId: uuid, editedComment: null, markerNumber: 0 });
 */
export function eventForWrite(message: WriteMessage, circumstances: WriteCircumstances): UnsequencedEvent | null {
  const { author, now, newId } = circumstances;
  const envelope = { broadcastId: message.broadcastId, tenantId: message.tenantId, urlId: message.urlId };
  if (message.type === 'create-chat') {
    const chatId = message.chatId ?? newId();
    const comment: Comment = { id: message.commentId ?? newId(), author, text: message.text, createdAt: now, editedAt: null };
    // The marker's own author is id and name (what its row keeps); the comment carries the avatar.
    const markerAuthor = { id: author.id, name: author.name };
    return { type: 'new-image-chat', ...envelope, chatId, chat: { id: chatId, number: circumstances.markerNumber, x: message.x, y: message.y, author: markerAuthor, createdAt: now, resolved: false, comments: [comment] } };
  }
  const base = { ...envelope, chatId: message.chatId };
  switch (message.type) {
    case 'add-comment':
      return { type: 'image-chat-updated', ...base, change: 'comment-added', comment: { id: message.commentId ?? newId(), author, text: message.text, createdAt: now, editedAt: null } };
    case 'edit-comment': {
      const comment = circumstances.editedComment;
      if (!comment) return null;
      return { type: 'image-chat-updated', ...base, change: 'comment-edited', comment: { ...comment, text: message.text, editedAt: now } };
    }
    case 'delete-comment':
      return { type: 'image-chat-updated', ...base, change: 'comment-deleted', commentId: message.commentId };
    case 'move-chat':
      return { type: 'image-chat-updated', ...base, change: 'moved', x: message.x, y: message.y };
    case 'resolve-chat':
      return { type: 'image-chat-updated', ...base, change: 'resolved', resolved: message.resolved };
    case 'delete-chat':
      return { type: 'deleted-image-chat', ...base };
  }
}
