/**
 * The rules of every write, as one pure function: given what is stored now and who asks, the event to store
 * or the error to answer. Stores call it inside their transaction, so the check and the write are atomic.
 * It never sees a whole thread: the store hands it the chat's own fields, the named comment, the counts and
 * the stored sizes (WriteContext), which is all the rules and the byte budgets need.
 */
import { randomUUID } from 'node:crypto';
import { eventForWrite, type Author, type Chat, type ImageKey, type Limits, type UnsequencedEvent, type WriteMessage } from '../../shared/index.js';
import type { WriteContext, WritePlan, WriteTarget } from './write-plan.js';
import { threadBytesAfter } from './wire-size.js';

/** The limits the rules enforce (a server passes its whole `Limits`; tests pass small ones). */
export type PlanLimits = Pick<Limits,
  'MAX_CHATS_PER_IMAGE' | 'MAX_COMMENTS_PER_CHAT' | 'MAX_CHATS_PER_PERSON_PER_IMAGE' | 'MAX_THREAD_BYTES' | 'MAX_IMAGE_BYTES' | 'MAX_SEQ'>;

export interface Actor extends Author {
  /** Moderators (the tenant's admin, or an SSO admin or moderator) may delete anyone's content. */
  moderator: boolean;
  /** May resolve and reopen others' threads: the tenant's rules say anyone may, or a moderator. */
  mayResolveOthers: boolean;
}

const refuse = (code: 'not-found' | 'forbidden' | 'conflict' | 'limit-reached', message: string): WritePlan => ({ ok: false, code, message });

const KIB = 1024;
const MIB = 1024 * KIB;

/** "256 KiB", "2 MiB", or plain bytes when the value is not a whole number of either. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${bytes} bytes`;
}

/**
 * Accepts `event` unless it grows the thread past MAX_THREAD_BYTES or the image past MAX_IMAGE_BYTES. A write
 * that shrinks or keeps the size always passes, so a thread stored before the caps (or above lowered caps)
 * can still be trimmed.
 */
export function withinBudget(event: UnsequencedEvent, context: WriteContext, limits: PlanLimits): WritePlan {
  const after = threadBytesAfter(context, event);
  const growth = after - context.threadBytes;
  if (growth <= 0) return { ok: true, event };
  if (after > limits.MAX_THREAD_BYTES) return refuse('limit-reached', `this thread is full (${formatBytes(limits.MAX_THREAD_BYTES)})`);
  if (context.imageBytes + growth > limits.MAX_IMAGE_BYTES) {
    return refuse('limit-reached', `this image holds at most ${formatBytes(limits.MAX_IMAGE_BYTES)} of conversation`);
  }
  return { ok: true, event };
}

/**
 * @example
 * store.write(key, { chatId, commentId, authorId }, (ctx) => planWrite(msg, actor, ctx, limits, newId));
 */
export function planWrite(message: WriteMessage, actor: Actor, context: WriteContext, limits: PlanLimits, newId: () => string): WritePlan {
  const refusal = checkRules(message, actor, context, limits);
  if (refusal) return refusal;
  const author: Author = { id: actor.id, name: actor.name, ...(actor.avatar ? { avatar: actor.avatar } : {}) };
  const event = eventForWrite(message, { author, now: context.now, newId, editedComment: context.comment, markerNumber: context.markersMade + 1 });
  if (!event) return refuse('not-found', 'no such comment in this chat');
  // Moving and resolving change a marker's size by a few bytes at most and cannot be repeated to grow it,
  // so they pass even on a full thread: a full thread can still be resolved. Deletes only shrink.
  const grows = message.type === 'create-chat' || message.type === 'add-comment' || message.type === 'edit-comment';
  return grows ? withinBudget(event, context, limits) : { ok: true, event };
}

/** The refusal of a write the rules do not allow (seq, counts, existence, who may), or null when they do. */
function checkRules(message: WriteMessage, actor: Actor, context: WriteContext, limits: PlanLimits): WritePlan | null {
  const { chat } = context;
  // Both stores hold a seq in a 32-bit signed integer; an image that used them all takes no more writes.
  if (context.seq >= limits.MAX_SEQ) return refuse('limit-reached', `this image has taken its most changes (${limits.MAX_SEQ})`);

  if (message.type === 'create-chat') {
    if (chat) return refuse('conflict', 'a chat with this id already exists');
    if (context.chatCount >= limits.MAX_CHATS_PER_IMAGE) return refuse('limit-reached', `an image holds at most ${limits.MAX_CHATS_PER_IMAGE} markers`);
    if (context.authorChatCount >= limits.MAX_CHATS_PER_PERSON_PER_IMAGE) {
      return refuse('limit-reached', `one person may have at most ${limits.MAX_CHATS_PER_PERSON_PER_IMAGE} markers on an image`);
    }
    return null;
  }

  if (!chat) return refuse('not-found', 'no such chat on this image');
  switch (message.type) {
    case 'add-comment':
      if (context.commentCount >= limits.MAX_COMMENTS_PER_CHAT) return refuse('limit-reached', `a thread holds at most ${limits.MAX_COMMENTS_PER_CHAT} comments`);
      if (context.comment) return refuse('conflict', 'a comment with this id already exists');
      return null;
    case 'edit-comment':
      if (!context.comment) return refuse('not-found', 'no such comment in this chat');
      if (context.comment.author.id !== actor.id) return refuse('forbidden', 'only its author may edit a comment');
      return null;
    case 'delete-comment':
      if (!context.comment) return refuse('not-found', 'no such comment in this chat');
      if (context.comment.author.id !== actor.id && !actor.moderator) return refuse('forbidden', 'only its author may delete a comment');
      if (context.commentIsFirst) return refuse('forbidden', 'the first comment opens the thread; delete the marker instead');
      return null;
    case 'move-chat':
      if (chat.author.id !== actor.id && !actor.moderator) return refuse('forbidden', 'only its author may move a marker');
      return null;
    case 'resolve-chat':
      // By default anyone in the conversation may resolve or reopen it, as in review tools; a tenant may keep
      // that to the marker's author and its moderators.
      if (chat.author.id !== actor.id && !actor.mayResolveOthers) return refuse('forbidden', 'only its author or a moderator may resolve or reopen this thread');
      return null;
    case 'delete-chat':
      if (chat.author.id !== actor.id && !actor.moderator) return refuse('forbidden', 'only its author may delete a marker');
      return null;
  }
}

/** What the store must read for `message` by `actor`: the chat, the named comment, whose markers to count. */
export function writeTarget(message: WriteMessage, actor: Actor): WriteTarget {
  const who = { id: actor.id, name: actor.name };
  switch (message.type) {
    case 'create-chat':
      return { chatId: message.chatId ?? null, commentId: null, authorId: actor.id, actor: who };
    case 'add-comment':
      return { chatId: message.chatId, commentId: message.commentId ?? null, authorId: null, actor: who };
    case 'edit-comment':
    case 'delete-comment':
      return { chatId: message.chatId, commentId: message.commentId, authorId: null, actor: who };
    case 'move-chat':
    case 'resolve-chat':
    case 'delete-chat':
      return { chatId: message.chatId, commentId: null, authorId: null, actor: who };
  }
}

/**
 * The planner of one imported chat: the image's seq, marker count and byte limits hold as for any write (the
 * per-person marker cap does not: an import brings many people's markers). A chat already there is `conflict`.
 */
export function planImport(chat: Chat, key: ImageKey, context: WriteContext, limits: PlanLimits): WritePlan {
  if (context.chat) return { ok: false, code: 'conflict', message: `chat "${chat.id}" is already on the image` };
  if (context.seq >= limits.MAX_SEQ) return { ok: false, code: 'limit-reached', message: `this image has taken its most changes (${limits.MAX_SEQ})` };
  if (context.chatCount >= limits.MAX_CHATS_PER_IMAGE) return { ok: false, code: 'limit-reached', message: `an image holds at most ${limits.MAX_CHATS_PER_IMAGE} markers` };
  if (chat.comments.length > limits.MAX_COMMENTS_PER_CHAT) return { ok: false, code: 'limit-reached', message: `a thread holds at most ${limits.MAX_COMMENTS_PER_CHAT} comments` };
  // The exported number when the image has not given it yet (a fresh image keeps the original's numbers), else the next.
  const number = chat.number > context.markersMade ? chat.number : context.markersMade + 1;
  return withinBudget({ type: 'new-image-chat', broadcastId: randomUUID(), ...key, chatId: chat.id, chat: { ...chat, number } }, context, limits);
}
