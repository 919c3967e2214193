/**
 * The rules of every write, as one pure function: given what is stored now and who asks, the event to store
 * or the error to answer. Stores call it inside their transaction, so the check and the write are atomic.
 */
import type { Author, Chat, Comment, WriteMessage } from '../../shared/index.js';
import type { WriteContext, WritePlan } from '../store/types.js';

export interface PlanLimits {
  MAX_CHATS_PER_IMAGE: number;
  MAX_COMMENTS_PER_CHAT: number;
}

export interface Actor extends Author {
  /** Moderators (the tenant's admin) may delete anyone's content. */
  moderator: boolean;
}

const refuse = (code: 'not-found' | 'forbidden' | 'conflict' | 'limit-reached', message: string): WritePlan => ({ ok: false, code, message });

function findComment(chat: Chat, commentId: string): Comment | undefined {
  return chat.comments.find((comment) => comment.id === commentId);
}

/**
 * @example
 * store.write(key, msg.chatId ?? null, (ctx) => planWrite(msg, actor, ctx, limits, newId));
 */
export function planWrite(message: WriteMessage, actor: Actor, context: WriteContext, limits: PlanLimits, newId: () => string): WritePlan {
  const { chat, now } = context;
  const author: Author = { id: actor.id, name: actor.name };
  const envelope = { broadcastId: message.broadcastId, tenantId: message.tenantId, urlId: message.urlId };

  if (message.type === 'create-chat') {
    if (chat) return refuse('conflict', 'a chat with this id already exists');
    if (context.chatCount >= limits.MAX_CHATS_PER_IMAGE) return refuse('limit-reached', `an image holds at most ${limits.MAX_CHATS_PER_IMAGE} markers`);
    const chatId = message.chatId ?? newId();
    const comment: Comment = { id: message.commentId ?? newId(), author, text: message.text, createdAt: now, editedAt: null };
    const created: Chat = { id: chatId, x: message.x, y: message.y, author, createdAt: now, resolved: false, comments: [comment] };
    return { ok: true, event: { type: 'new-image-chat', ...envelope, chatId, chat: created } };
  }

  if (!chat) return refuse('not-found', 'no such chat on this image');
  const base = { ...envelope, chatId: chat.id };

  switch (message.type) {
    case 'add-comment': {
      if (chat.comments.length >= limits.MAX_COMMENTS_PER_CHAT) return refuse('limit-reached', `a thread holds at most ${limits.MAX_COMMENTS_PER_CHAT} comments`);
      const commentId = message.commentId ?? newId();
      if (findComment(chat, commentId)) return refuse('conflict', 'a comment with this id already exists');
      const comment: Comment = { id: commentId, author, text: message.text, createdAt: now, editedAt: null };
      return { ok: true, event: { type: 'image-chat-updated', ...base, change: 'comment-added', comment } };
    }
    case 'edit-comment': {
      const comment = findComment(chat, message.commentId);
      if (!comment) return refuse('not-found', 'no such comment in this chat');
      if (comment.author.id !== actor.id) return refuse('forbidden', 'only its author may edit a comment');
      return { ok: true, event: { type: 'image-chat-updated', ...base, change: 'comment-edited', comment: { ...comment, text: message.text, editedAt: now } } };
    }
    case 'delete-comment': {
      const index = chat.comments.findIndex((comment) => comment.id === message.commentId);
      const comment = chat.comments[index];
      if (!comment) return refuse('not-found', 'no such comment in this chat');
      if (comment.author.id !== actor.id && !actor.moderator) return refuse('forbidden', 'only its author may delete a comment');
      if (index === 0) return refuse('forbidden', 'the first comment opens the thread; delete the marker instead');
      return { ok: true, event: { type: 'image-chat-updated', ...base, change: 'comment-deleted', commentId: comment.id } };
    }
    case 'move-chat':
      if (chat.author.id !== actor.id && !actor.moderator) return refuse('forbidden', 'only its author may move a marker');
      return { ok: true, event: { type: 'image-chat-updated', ...base, change: 'moved', x: message.x, y: message.y } };
    case 'resolve-chat':
      // Anyone in the conversation may resolve or reopen it, as in review tools.
      return { ok: true, event: { type: 'image-chat-updated', ...base, change: 'resolved', resolved: message.resolved } };
    case 'delete-chat':
      if (chat.author.id !== actor.id && !actor.moderator) return refuse('forbidden', 'only its author may delete a marker');
      return { ok: true, event: { type: 'deleted-image-chat', ...base } };
  }
}
