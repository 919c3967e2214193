import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { eventForWrite, eventFromWire, eventToWire, restored, withSeq, type ImageEvent, type NewImageChatEvent } from '../../shared/index.js';

const guest = { id: `u-${randomUUID()}`, name: 'Al' };

/** A new marker as the server stores it: a guest's 50-character comment on an image of the demo tenant. */
function newMarker(text = 'Could the sofa face the window instead of the wall?'.slice(0, 50)): NewImageChatEvent {
  const event = eventForWrite({
    type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId: 'img', x: 0.4213, y: 0.6187, text,
    chatId: randomUUID(), commentId: randomUUID(),
  }, { author: guest, now: 1_796_400_000_000, newId: randomUUID, editedComment: null, markerNumber: 12 });
  return withSeq(event!, 431) as NewImageChatEvent;
}

/** The reference: a new marker with a 50-character comment was 586 bytes before marker numbers existed. */
const REFERENCE_BYTES = 586;

test('a new marker with a 50-character comment goes out in at most 450 bytes (the reference, 586, number field included)', () => {
  // Sized like the reference: the same event without its `number` takes exactly 586 bytes (the image id fills the rest).
  const probe = newMarker();
  const { number: _number, ...unnumbered } = probe.chat;
  const padding = REFERENCE_BYTES - Buffer.byteLength(JSON.stringify({ ...probe, chat: unnumbered }));
  expect(padding).toBeGreaterThanOrEqual(0);
  const event = { ...probe, urlId: `${probe.urlId}${'p'.repeat(padding)}` };
  const whole = Buffer.byteLength(JSON.stringify(event));
  const wire = Buffer.byteLength(JSON.stringify(eventToWire(event)));
  expect(whole).toBe(REFERENCE_BYTES + Buffer.byteLength(',"number":12'));
  expect(wire).toBeLessThanOrEqual(450);
  expect(whole - wire).toBeGreaterThanOrEqual(150);
  const sent = eventToWire(event) as { chat: Record<string, unknown> & { comments: Record<string, unknown>[] } };
  expect(sent.chat).not.toHaveProperty('id');
  expect(sent.chat).not.toHaveProperty('resolved');
  expect(Object.keys(sent.chat.comments[0]!).sort()).toEqual(['id', 'text']);
});

test('restoring gives back the very event, byte for byte, for every shape a new marker can have', () => {
  const plain = newMarker();
  const signedIn = newMarker();
  signedIn.chat.comments[0]!.author = { ...signedIn.chat.author, avatar: 'https://example.com/ada.png' };
  // An imported marker: resolved, with an edited reply by someone else at another time.
  const imported = newMarker();
  imported.chat.resolved = true;
  imported.chat.comments.push({ id: 'k2', author: { id: 'sso:7', name: 'Kim' }, text: 'No.', createdAt: 1_796_400_100_000, editedAt: 1_796_400_200_000 });
  const renamed = newMarker();
  renamed.chat.comments[0]!.author = { id: guest.id, name: 'Al B.' };
  for (const event of [plain, signedIn, imported, renamed]) {
    const back = eventFromWire(JSON.parse(JSON.stringify(eventToWire(event))));
    expect(JSON.stringify(back)).toBe(JSON.stringify(event));
  }
});

test('other events, and whole events, pass unchanged; frames are restored inside batches, replays and the tenant feed', () => {
  const updated: ImageEvent = { type: 'image-chat-updated', broadcastId: 'b', tenantId: 'demo', urlId: 'img', chatId: 'c', seq: 2, change: 'moved', x: 0.1, y: 0.2 };
  expect(eventToWire(updated)).toBe(updated);
  const whole = newMarker();
  expect(eventFromWire(whole)).toEqual(whole);
  const wire = eventToWire(whole) as unknown as ImageEvent;
  expect(restored({ type: 'batch', events: [wire, updated] })).toEqual({ type: 'batch', events: [whole, updated] });
  expect(restored({ type: 'subscribed', tenantId: 'demo', urlId: 'img', seq: 2, epoch: 'e', reset: false, events: [wire] })).toMatchObject({ events: [whole] });
  expect(restored({ type: 'tenant-event', tenantId: 'demo', event: wire })).toEqual({ type: 'tenant-event', tenantId: 'demo', event: whole });
});
