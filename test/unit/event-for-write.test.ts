/**
 * One event per write, on both sides: the server's planner and the widget's optimistic overlay build the event
 * of every write type through `eventForWrite`, so, given the same author, time and ids, they agree exactly
 * (the optimistic one carries seq 0 until the echo replaces it).
 */
import { expect, test } from 'vitest';
import { LIMITS, withSeq, type Chat, type WriteMessage } from '../../shared/index.js';
import { planWrite } from '../../server/core/plan.js';
import type { WriteContext } from '../../server/core/write-plan.js';
import { optimisticEvent } from '../../widget/optimistic.js';

const NOW = 1_700_000_000_000;
const ann = { id: 'u1', name: 'Ann' };
const chat: Chat = {
  id: 'chat-1', number: 1, x: 0.2, y: 0.3, author: ann, createdAt: NOW - 1000, resolved: false,
  comments: [
    { id: 'first', author: ann, text: 'opens it', createdAt: NOW - 1000, editedAt: null },
    { id: 'second', author: ann, text: 'a reply', createdAt: NOW - 500, editedAt: null },
  ],
};

function contextFor(message: WriteMessage): WriteContext {
  const { comments, ...marker } = chat;
  const named = 'commentId' in message ? comments.find((c) => c.id === message.commentId) ?? null : null;
  return {
    chat: message.type === 'create-chat' ? null : marker, commentCount: comments.length, comment: named, commentIsFirst: named?.id === 'first',
    threadBytes: 0, imageBytes: 0, chatCount: 1, markersMade: 1, authorChatCount: 0, seq: 4, now: NOW,
  };
}

const envelope = { broadcastId: 'b-1', tenantId: 't', urlId: 'img' };
const messages: WriteMessage[] = [
  { ...envelope, type: 'create-chat', x: 0.5, y: 0.6, text: 'new', chatId: 'chat-2', commentId: 'c-new' },
  { ...envelope, type: 'add-comment', chatId: 'chat-1', text: 'more', commentId: 'c-more' },
  { ...envelope, type: 'edit-comment', chatId: 'chat-1', commentId: 'second', text: 'edited' },
  { ...envelope, type: 'delete-comment', chatId: 'chat-1', commentId: 'second' },
  { ...envelope, type: 'move-chat', chatId: 'chat-1', x: 0.9, y: 0.1 },
  { ...envelope, type: 'resolve-chat', chatId: 'chat-1', resolved: true },
  { ...envelope, type: 'delete-chat', chatId: 'chat-1' },
];

test.each(messages.map((message) => [message.type, message] as const))('%s: the planner stores the event the widget showed', (_type, message) => {
  const planned = planWrite(message, { ...ann, moderator: false, mayResolveOthers: true }, contextFor(message), LIMITS, () => 'unused-id');
  if (!planned.ok) throw new Error(`refused: ${planned.message}`);
  const shown = optimisticEvent(message, chat, ann, NOW);
  const stored = withSeq(planned.event, 0);
  // Only the server numbers a new marker (the next after the image's markersMade); the widget shows it without one.
  if (shown?.type === 'new-image-chat' && stored.type === 'new-image-chat') {
    expect([shown.chat.number, stored.chat.number]).toEqual([0, 2]);
    shown.chat.number = stored.chat.number;
  }
  expect(shown).toEqual(stored);
});
