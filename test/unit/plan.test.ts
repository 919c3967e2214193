/**
 * The write planner on its own (pure): the byte budgets, the per-person marker cap and MAX_SEQ, with small
 * limits. Contexts are built from whole chats and sized with JSON.stringify, independently of the planner's
 * incremental arithmetic; the stores' side is in test/contract/store-rows.contract.ts.
 */
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { LIMITS, type Chat, type WriteMessage } from '../../shared/index.js';
import { formatBytes, planWrite, writeTarget, type Actor, type PlanLimits } from '../../server/core/plan.js';
import type { WriteContext, WritePlan } from '../../server/core/write-plan.js';

const ann: Actor = { id: 'u1', name: 'Ann', moderator: false, mayResolveOthers: true };
const mod: Actor = { id: 'm1', name: 'Mo', moderator: true, mayResolveOthers: true };
const NOW = 1_700_000_000_000;
const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function chatWith(texts: string[]): Chat {
  const author = { id: ann.id, name: ann.name };
  return { id: 'chat', number: 1, x: 0.5, y: 0.5, author, createdAt: NOW, resolved: false, comments: texts.map((text, i) => ({ id: `c${i}`, author, text, createdAt: NOW, editedAt: null })) };
}

/** What a store would hand the planner for `chat` (and its comment `commentId`), sized from the whole chat. */
function contextFor(chat: Chat | null, commentId: string | null, extra: Partial<WriteContext> = {}): WriteContext {
  const index = chat && commentId ? chat.comments.findIndex((c) => c.id === commentId) : -1;
  const threadBytes = chat ? bytesOf(chat) : 0;
  const { comments, ...marker } = chat ?? { comments: [] };
  return {
    chat: chat ? (marker as WriteContext['chat']) : null, commentCount: comments.length, comment: chat?.comments[index] ?? null, commentIsFirst: index === 0,
    threadBytes, imageBytes: threadBytes, chatCount: chat ? 1 : 0, markersMade: chat ? 1 : 0, authorChatCount: 0, seq: 10, now: NOW, ...extra,
  };
}

const limits = (overrides: Partial<PlanLimits>): PlanLimits => ({ ...LIMITS, ...overrides });

function plan(fields: Record<string, unknown> & { type: WriteMessage['type'] }, context: WriteContext, planLimits: PlanLimits, actor = ann): WritePlan {
  const message = { broadcastId: 'b', tenantId: 't', urlId: 'u', chatId: 'chat', ...fields } as WriteMessage;
  let n = 0;
  return planWrite(message, actor, context, planLimits, () => `id-${(n += 1)}`);
}

/** The chat after a planned comment is added, as a snapshot would carry it. */
function withComment(chat: Chat, text: string, id: string): Chat {
  return { ...chat, comments: [...chat.comments, { id, author: { id: ann.id, name: ann.name }, text, createdAt: NOW, editedAt: null }] };
}

test('an add-comment fits the thread to the byte, counting JSON escapes', () => {
  const chat = chatWith(['root']);
  const cap = bytesOf(withComment(chat, 'x'.repeat(100), 'id-1'));
  const tight = limits({ MAX_THREAD_BYTES: cap });
  expect(plan({ type: 'add-comment', text: 'x'.repeat(100) }, contextFor(chat, null), tight)).toMatchObject({ ok: true });
  expect(plan({ type: 'add-comment', text: 'x'.repeat(101) }, contextFor(chat, null), tight))
    .toEqual({ ok: false, code: 'limit-reached', message: `this thread is full (${cap} bytes)` });
  // 20 control characters are 20 typed, 120 on the wire; a quote or backslash two.
  expect(plan({ type: 'add-comment', text: '\u0001'.repeat(20) }, contextFor(chat, null), tight)).toMatchObject({ ok: false, code: 'limit-reached' });
  expect(plan({ type: 'add-comment', text: `${'"'.repeat(50)}` }, contextFor(chat, null), tight)).toMatchObject({ ok: true });
  expect(plan({ type: 'add-comment', text: `${'"'.repeat(51)}` }, contextFor(chat, null), tight)).toMatchObject({ ok: false, code: 'limit-reached' });
  // Non-ASCII counts its UTF-8 bytes: é is 2, 🎉 is 4.
  expect(plan({ type: 'add-comment', text: 'é'.repeat(50) }, contextFor(chat, null), tight)).toMatchObject({ ok: true });
  expect(plan({ type: 'add-comment', text: `${'🎉'.repeat(25)}x` }, contextFor(chat, null), tight)).toMatchObject({ ok: false });
});

test('the default messages name the caps in KiB and MiB', () => {
  expect(formatBytes(LIMITS.MAX_THREAD_BYTES)).toBe('256 KiB');
  expect(formatBytes(LIMITS.MAX_IMAGE_BYTES)).toBe('2 MiB');
  const chat = chatWith(['root']);
  const full = contextFor(chat, null, { threadBytes: LIMITS.MAX_THREAD_BYTES - 10 });
  expect(plan({ type: 'add-comment', text: 'hello' }, full, LIMITS)).toEqual({ ok: false, code: 'limit-reached', message: 'this thread is full (256 KiB)' });
  const crowded = contextFor(chat, null, { imageBytes: LIMITS.MAX_IMAGE_BYTES - 10 });
  expect(plan({ type: 'add-comment', text: 'hello' }, crowded, LIMITS))
    .toEqual({ ok: false, code: 'limit-reached', message: 'this image holds at most 2 MiB of conversation' });
});

test('an image cap counts every thread; a new marker is measured whole', () => {
  const created = chatWith(['first words']);
  const size = bytesOf({ ...created, id: 'id-1', comments: [{ ...created.comments[0]!, id: 'id-2' }] });
  const message = { type: 'create-chat' as const, chatId: undefined, x: 0.5, y: 0.5, text: 'first words' };
  const empty = contextFor(null, null, { imageBytes: 5000 });
  expect(plan(message, empty, limits({ MAX_IMAGE_BYTES: 5000 + size }))).toMatchObject({ ok: true });
  expect(plan(message, empty, limits({ MAX_IMAGE_BYTES: 5000 + size - 1 })))
    .toEqual({ ok: false, code: 'limit-reached', message: `this image holds at most ${5000 + size - 1} bytes of conversation` });
  expect(plan(message, empty, limits({ MAX_THREAD_BYTES: size - 1 }))).toMatchObject({ ok: false, code: 'limit-reached', message: expect.stringContaining('thread is full') });
});

test('an edit counts its size change: growing past a cap is refused, shrinking always passes', () => {
  const chat = chatWith(['root', 'y'.repeat(300)]);
  const atCap = contextFor(chat, 'c1', { threadBytes: bytesOf(chat) });
  const tight = limits({ MAX_THREAD_BYTES: bytesOf(chat) });
  // Same length (editedAt becomes a number, 9 bytes more than null): refused on a thread at its cap.
  expect(plan({ type: 'edit-comment', commentId: 'c1', text: 'z'.repeat(300) }, atCap, tight)).toMatchObject({ ok: false, code: 'limit-reached' });
  expect(plan({ type: 'edit-comment', commentId: 'c1', text: 'z'.repeat(280) }, atCap, tight)).toMatchObject({ ok: true });
  // Over both caps already (stored before them): shrinking and deleting still pass.
  const over = limits({ MAX_THREAD_BYTES: 100, MAX_IMAGE_BYTES: 100 });
  expect(plan({ type: 'edit-comment', commentId: 'c1', text: 'short' }, atCap, over)).toMatchObject({ ok: true });
  expect(plan({ type: 'edit-comment', commentId: 'c1', text: 'y'.repeat(301) }, atCap, over)).toMatchObject({ ok: false, code: 'limit-reached' });
  expect(plan({ type: 'delete-comment', commentId: 'c1' }, atCap, over)).toMatchObject({ ok: true, event: { change: 'comment-deleted', commentId: 'c1' } });
  expect(plan({ type: 'delete-chat' }, atCap, over)).toMatchObject({ ok: true, event: { type: 'deleted-image-chat' } });
  // A full thread can still be moved and resolved.
  expect(plan({ type: 'resolve-chat', resolved: true }, atCap, over)).toMatchObject({ ok: true });
  expect(plan({ type: 'move-chat', x: 0.123456789, y: 0.987654321 }, atCap, over)).toMatchObject({ ok: true });
});

test('the opening comment is told by the store, not by its place in a thread the planner never sees', () => {
  const chat = chatWith(['root', 'reply']);
  expect(plan({ type: 'delete-comment', commentId: 'c0' }, contextFor(chat, 'c0'), LIMITS, mod))
    .toEqual({ ok: false, code: 'forbidden', message: 'the first comment opens the thread; delete the marker instead' });
  expect(plan({ type: 'delete-comment', commentId: 'c1' }, contextFor(chat, 'c1'), LIMITS, mod)).toMatchObject({ ok: true });
  expect(plan({ type: 'add-comment', commentId: 'c1', text: 'again' }, contextFor(chat, 'c1'), LIMITS))
    .toEqual({ ok: false, code: 'conflict', message: 'a comment with this id already exists' });
  expect(plan({ type: 'edit-comment', commentId: 'c9', text: 'x' }, contextFor(chat, 'c9'), LIMITS)).toMatchObject({ ok: false, code: 'not-found' });
});

test('one person may have MAX_CHATS_PER_PERSON_PER_IMAGE markers on an image', () => {
  const capped = limits({ MAX_CHATS_PER_PERSON_PER_IMAGE: 3 });
  const create = { type: 'create-chat' as const, chatId: undefined, x: 0.5, y: 0.5, text: 'm' };
  expect(plan(create, contextFor(null, null, { authorChatCount: 2, chatCount: 40 }), capped)).toMatchObject({ ok: true });
  expect(plan(create, contextFor(null, null, { authorChatCount: 3, chatCount: 40 }), capped))
    .toEqual({ ok: false, code: 'limit-reached', message: 'one person may have at most 3 markers on an image' });
  // The store is asked to count the creator's markers, and only for a create.
  const message = { broadcastId: 'b', tenantId: 't', urlId: 'u', ...create } as WriteMessage;
  expect(writeTarget(message, ann)).toEqual({ chatId: null, commentId: null, authorId: 'u1', actor: { id: ann.id, name: ann.name } });
  const chatId = randomUUID();
  expect(writeTarget({ broadcastId: 'b', tenantId: 't', urlId: 'u', type: 'edit-comment', chatId, commentId: 'c', text: 'x' }, ann))
    .toEqual({ chatId, commentId: 'c', authorId: null, actor: { id: ann.id, name: ann.name } });
});

test('an image whose seq reached MAX_SEQ refuses every write, deletes included', () => {
  const chat = chatWith(['root', 'reply']);
  const last = limits({ MAX_SEQ: 10 });
  for (const fields of [{ type: 'add-comment', text: 'x' }, { type: 'delete-comment', commentId: 'c1' }, { type: 'delete-chat' }] as const) {
    const named = fields.type === 'delete-comment' ? fields.commentId : null;
    expect(plan(fields, contextFor(chat, named, { seq: 9 }), last)).toMatchObject({ ok: true });
    expect(plan(fields, contextFor(chat, named, { seq: 10 }), last)).toEqual({ ok: false, code: 'limit-reached', message: 'this image has taken its most changes (10)' });
  }
});
