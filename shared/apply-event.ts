/**
 * Applies an image event to a chat. The one definition of what each event means, used by the server tests'
 * model and oracle, and mirrored by the widget's store. (The stores keep a chat's rows instead:
 * server/store/row-change.ts maps each event to the rows it changes.)
 */
import type { Chat } from './model.js';
import type { ImageEvent } from './messages.js';

/** Returns the chat after the event, or null when the event deletes it. */
export function applyEventToChat(chat: Chat | null, event: ImageEvent): Chat | null {
  switch (event.type) {
    case 'new-image-chat':
      return event.chat;
    case 'deleted-image-chat':
      return null;
    case 'image-chat-updated': {
      if (!chat) return null;
      switch (event.change) {
        case 'comment-added':
          return event.comment ? { ...chat, comments: [...chat.comments, event.comment] } : chat;
        case 'comment-edited': {
          const edited = event.comment;
          return edited ? { ...chat, comments: chat.comments.map((c) => (c.id === edited.id ? edited : c)) } : chat;
        }
        case 'comment-deleted':
          return { ...chat, comments: chat.comments.filter((c) => c.id !== event.commentId) };
        case 'moved':
          return { ...chat, x: event.x ?? chat.x, y: event.y ?? chat.y };
        case 'resolved':
          return { ...chat, resolved: event.resolved ?? chat.resolved };
      }
    }
  }
}
