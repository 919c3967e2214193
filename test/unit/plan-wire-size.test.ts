/**
 * The stored-size arithmetic (server/core/wire-size.ts) against an oracle that knows nothing of it: random
 * writes planned and applied to whole chats with the shared `applyEventToChat`, each chat then measured with
 * JSON.stringify. The incremental size must equal the measured one after every write. Seeded.
 */
import { expect, test } from 'vitest';
import { applyEventToChat, LIMITS, type Chat, type WriteMessage } from '../../shared/index.js';
import { planWrite, type Actor } from '../../server/core/plan.js';
import { threadBytesAfter } from '../../server/core/wire-size.js';
import type { WriteContext } from '../../server/core/write-plan.js';
import { seededRandom } from '../helpers/seeded-random.js';

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');


const TEXTS = ['', 'a', 'plain words', '"quoted" \\ slash', '\u0001\u001f\u007f', 'é ✓ 🎉', '\u2028\u2029', '</script>', 'x'.repeat(500)];
const actors: Actor[] = [{ id: 'u1', name: 'Ann', moderator: false, mayResolveOthers: true }, { id: 'u2', name: 'Bø "B"', moderator: true, mayResolveOthers: true }];

test.each([1, 2, 3, 4, 5])('incremental thread sizes equal JSON.stringify after every write (seed %i)', (seed) => {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  let chat: Chat | null = null;
  let bytes = 0;
  let ids = 0;
  for (let step = 0; step < 300; step += 1) {
    const actor = pick(actors);
    const comment = chat && chat.comments.length > 0 ? pick(chat.comments) : null;
    const base = { broadcastId: 'b', tenantId: 't', urlId: 'u', chatId: 'chat' };
    const message: WriteMessage = !chat
      ? { ...base, type: 'create-chat', x: next(), y: next(), text: pick(TEXTS) }
      : pick([
        { ...base, type: 'add-comment', text: pick(TEXTS) },
        { ...base, type: 'add-comment', text: pick(TEXTS) },
        { ...base, type: 'edit-comment', commentId: comment!.id, text: pick(TEXTS) },
        { ...base, type: 'delete-comment', commentId: comment!.id },
        { ...base, type: 'move-chat', x: next(), y: pick([0, 1, next() / 1e9]) },
        { ...base, type: 'resolve-chat', resolved: next() < 0.5 },
        ...(step % 50 === 49 ? [{ ...base, type: 'delete-chat' as const }] : []),
      ] satisfies WriteMessage[]);
    const index = chat && comment ? chat.comments.indexOf(comment) : -1;
    const { comments, ...marker } = chat ?? { comments: [] as Chat['comments'] };
    const context: WriteContext = {
      chat: chat ? (marker as WriteContext['chat']) : null, commentCount: comments.length,
      comment: 'commentId' in message ? (comment ?? null) : null, commentIsFirst: index === 0, threadBytes: bytes, imageBytes: bytes,
      chatCount: chat ? 1 : 0, markersMade: step, authorChatCount: 0, seq: step, now: 1_700_000_000_000 + step,
    };
    const planned = planWrite({ ...message, chatId: message.type === 'create-chat' ? 'chat' : message.chatId } as WriteMessage, actor, context, LIMITS, () => `id-${(ids += 1)}`);
    if (!planned.ok) continue;
    const event = { ...planned.event, seq: step + 1 };
    bytes = threadBytesAfter(context, event);
    chat = applyEventToChat(chat, event);
    expect(bytes).toBe(chat ? bytesOf(chat) : 0);
  }
});
