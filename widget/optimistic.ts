/**
 * What a write looks like before the server answers: the event the server would broadcast for it, made on the
 * client with local time and identity, and how such an event is laid over the confirmed state.
 */
import { v4 as uuid } from 'uuid';
import { applyEventToChat, type Author, type Chat, type ImageEvent, type WriteMessage } from '../shared/index.js';

/**
 * The event the server would broadcast for `message`, or null when the write names a chat or comment that is not
 * there. `chat` is the chat as shown now (ignored for `create-chat`).
 * @example optimisticEvent({ type: 'resolve-chat', …, resolved: true }, chat, me, Date.now())
 */
export function optimisticEvent(message: WriteMessage, chat: Chat | null, author: Author, now: number): ImageEvent | null {
  const base = { broadcastId: message.broadcastId, tenantId: message.tenantId, urlId: message.urlId, seq: 0 };
  if (message.type === 'create-chat') {
    const chatId = message.chatId ?? uuid();
    const comment = { id: message.commentId ?? uuid(), author, text: message.text, createdAt: now, editedAt: null };
    return { ...base, type: 'new-image-chat', chatId, chat: { id: chatId, x: message.x, y: message.y, author, createdAt: now, resolved: false, comments: [comment] } };
  }
  if (!chat) return null;
  const envelope = { ...base, chatId: message.chatId };
  switch (message.type) {
    case 'add-comment':
      return { ...envelope, type: 'image-chat-updated', change: 'comment-added', comment: { id: message.commentId ?? uuid(), author, text: message.text, createdAt: now, editedAt: null } };
    case 'edit-comment': {
      const comment = chat.comments.find((c) => c.id === message.commentId);
      if (!comment) return null;
      return { ...envelope, type: 'image-chat-updated', change: 'comment-edited', comment: { ...comment, text: message.text, editedAt: now } };
    }
    case 'delete-comment':
      return { ...envelope, type: 'image-chat-updated', change: 'comment-deleted', commentId: message.commentId };
    case 'move-chat':
      return { ...envelope, type: 'image-chat-updated', change: 'moved', x: message.x, y: message.y };
    case 'resolve-chat':
      return { ...envelope, type: 'image-chat-updated', change: 'resolved', resolved: message.resolved };
    case 'delete-chat':
      return { ...envelope, type: 'deleted-image-chat' };
  }
}

/** Like `applyEventToChat`, but a comment already present (e.g. in a snapshot that raced the ack) is not added twice. */
export function applyOptimistic(chat: Chat | null, event: ImageEvent): Chat | null {
  const added = event.type === 'image-chat-updated' && event.change === 'comment-added' ? event.comment : undefined;
  if (chat && added && chat.comments.some((comment) => comment.id === added.id)) return chat;
  return applyEventToChat(chat, event);
}
