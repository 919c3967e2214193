/**
 * What a write looks like before the server answers: the event the server would broadcast for it, made on the
 * client with local time and identity, and how such an event is laid over the confirmed state.
 */
import { v4 as uuid } from 'uuid';
import { applyEventToChat, eventForWrite, withSeq, type Author, type Chat, type ImageEvent, type WriteMessage } from '../shared/index.js';

/**
 * The event the server would broadcast for `message` (built by the same `eventForWrite` as the server's), or
 * null when the write names a chat or comment that is not there. `chat` is the chat as shown now (ignored for
 * `create-chat`). Its seq is 0 until the server's echo replaces it.
 * @example optimisticEvent({ type: 'resolve-chat', …, resolved: true }, chat, me, Date.now())
 */
export function optimisticEvent(message: WriteMessage, chat: Chat | null, author: Author, now: number): ImageEvent | null {
  if (message.type !== 'create-chat' && !chat) return null;
  const editedComment = message.type === 'edit-comment' ? (chat?.comments.find((c) => c.id === message.commentId) ?? null) : null;
  // A new marker has no number until the server stores it (0: shown without one).
  const event = eventForWrite(message, { author, now, newId: uuid, editedComment, markerNumber: 0 });
  return event && withSeq(event, 0);
}

/** Like `applyEventToChat`, but a comment already present (e.g. in a snapshot that raced the ack) is not added twice. */
export function applyOptimistic(chat: Chat | null, event: ImageEvent): Chat | null {
  const added = event.type === 'image-chat-updated' && event.change === 'comment-added' ? event.comment : undefined;
  if (chat && added && chat.comments.some((comment) => comment.id === added.id)) return chat;
  return applyEventToChat(chat, event);
}
