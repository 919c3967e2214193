/**
 * The widget's presence state of one image (widget/presence.ts) and the faces' initials and colours
 * (widget/face.ts), without a browser. Typing expiry runs on vitest's fake clock: deterministic, nothing timed.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { LIMITS, type PresenceMessage } from '../../shared/index.js';
import { WidgetPresence } from '../../widget/presence.js';
import { FACE_COLOURS, faceColourIndex, initialsOf, isFaceAvatar } from '../../widget/face.js';

const image = { type: 'presence', tenantId: 'demo', urlId: 'plan' } as const;
const ann = { id: 'sso:ann', name: 'Ann', avatar: 'https://example.com/ann.png' };
const bob = { id: 'g-bob', name: 'Bob' };
const cas = { id: 'sso:cas', name: 'Cas' };

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function presenceWith(...frames: PresenceMessage[]): { presence: WidgetPresence; changes: () => number } {
  const presence = new WidgetPresence();
  let changes = 0;
  presence.onChange(() => {
    changes += 1;
  });
  for (const frame of frames) presence.receive(frame);
  return { presence, changes: () => changes };
}

test('a snapshot sets the count and the listed viewers; deltas add and remove them in join order', () => {
  const { presence, changes } = presenceWith({ ...image, count: 3, snapshot: true, viewers: [ann, bob] });
  expect(presence.count).toBe(3);
  expect(presence.viewers).toEqual([ann, bob]);
  expect(presence.othersHere).toBe(true);
  presence.receive({ ...image, count: 3, joined: [cas], left: ['sso:ann'] });
  expect(presence.viewers).toEqual([bob, cas]);
  const before = presence.viewers;
  presence.receive({ ...image, count: 4 });
  expect(presence.count).toBe(4);
  expect(presence.viewers).toEqual(before);
  expect(changes()).toBe(3);
  // A snapshot (after a resubscribe) replaces what was there.
  presence.receive({ ...image, count: 1, snapshot: true, viewers: [cas] });
  expect(presence.viewers).toEqual([cas]);
  expect(presence.othersHere).toBe(false);
});

test('clearing (the socket dropped) leaves no stale faces and tells listeners once', () => {
  const { presence, changes } = presenceWith({ ...image, count: 2, snapshot: true, viewers: [ann, bob] });
  presence.receive({ ...image, count: 2, typing: [{ id: 'g-bob', name: 'Bob', chatId: 'c1' }] });
  presence.clear();
  expect(presence.count).toBe(0);
  expect(presence.viewers).toEqual([]);
  expect(presence.typingIn('c1')).toEqual([]);
  expect(presence.othersHere).toBe(false);
  presence.clear();
  expect(changes()).toBe(3);
});

test('typing is kept per thread until stoppedTyping, or until TYPING_EXPIRES_MS passes without a renewal', () => {
  const { presence, changes } = presenceWith({ ...image, count: 3, snapshot: true, viewers: [ann, bob] });
  const bobTyping = { id: 'g-bob', name: 'Bob', chatId: 'c1' };
  const guestTyping = { id: 'k-7', chatId: 'c1' };
  presence.receive({ ...image, count: 3, typing: [bobTyping, { id: 'sso:ann', name: 'Ann', chatId: 'c2' }] });
  expect(presence.typingIn('c1')).toEqual([bobTyping]);
  presence.receive({ ...image, count: 3, typing: [guestTyping], stoppedTyping: [{ id: 'sso:ann', chatId: 'c2' }] });
  expect(presence.typingIn('c1')).toEqual([bobTyping, guestTyping]);
  expect(presence.typingIn('c2')).toEqual([]);

  vi.advanceTimersByTime(LIMITS.TYPING_EXPIRES_MS - 1000);
  presence.receive({ ...image, count: 3, typing: [bobTyping] }); // Bob renews, the guest does not
  vi.advanceTimersByTime(1000);
  expect(presence.typingIn('c1')).toEqual([bobTyping]);
  const beforeExpiry = changes();
  vi.advanceTimersByTime(LIMITS.TYPING_EXPIRES_MS - 1000);
  expect(presence.typingIn('c1')).toEqual([]);
  expect(changes()).toBe(beforeExpiry + 1);
});

test('a viewer who leaves stops typing with them; a snapshot drops typing entries', () => {
  const { presence } = presenceWith({ ...image, count: 2, snapshot: true, viewers: [ann, bob] });
  presence.receive({ ...image, count: 2, typing: [{ id: 'g-bob', name: 'Bob', chatId: 'c1' }] });
  presence.receive({ ...image, count: 1, left: ['g-bob'] });
  expect(presence.typingIn('c1')).toEqual([]);
  presence.receive({ ...image, count: 2, typing: [{ id: 'sso:ann', name: 'Ann', chatId: 'c1' }] });
  presence.receive({ ...image, count: 2, snapshot: true, viewers: [ann] });
  expect(presence.typingIn('c1')).toEqual([]);
});

test('initials take whole characters of the first and last word', () => {
  expect(initialsOf('Ann van Dijk')).toBe('AD');
  expect(initialsOf('  bob ')).toBe('B');
  expect(initialsOf('Émile Zola')).toBe('ÉZ');
  expect(initialsOf('😀 Smile')).toBe('😀S');
  expect(initialsOf('   ')).toBe('?');
});

test('a face colour is stable per user id, spread over the palette, and white initials on it read at 4.5:1 or more', () => {
  expect(faceColourIndex('sso:ann')).toBe(faceColourIndex('sso:ann'));
  const used = new Set(Array.from({ length: 200 }, (_unused, i) => faceColourIndex(`user-${i}`)));
  expect(used.size).toBe(FACE_COLOURS.length);
  for (const colour of FACE_COLOURS) expect(contrastWithWhite(colour), colour).toBeGreaterThanOrEqual(4.5);
});

test('only http(s) avatars are loaded', () => {
  expect(isFaceAvatar('https://example.com/a.png')).toBe(true);
  expect(isFaceAvatar('http://example.com/a.png')).toBe(true);
  expect(isFaceAvatar('javascript:alert(1)')).toBe(false);
  expect(isFaceAvatar('data:image/svg+xml,<svg/>')).toBe(false);
  expect(isFaceAvatar('not a url')).toBe(false);
  expect(isFaceAvatar(undefined)).toBe(false);
});

/** WCAG contrast of white on `hsl(H S% L%)`, computed here from the CSS Color 4 formulas (an oracle apart from face.ts). */
function contrastWithWhite(colour: string): number {
  const match = /^hsl\((\d+) (\d+)% (\d+)%\)$/.exec(colour);
  if (!match) throw new Error(`not an hsl colour: ${colour}`);
  const [h, s, l] = [Number(match[1]), Number(match[2]) / 100, Number(match[3]) / 100];
  const channel = (n: number): number => {
    const k = (n + h / 30) % 12;
    return l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  const linear = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const luminance = 0.2126 * linear(channel(0)) + 0.7152 * linear(channel(8)) + 0.0722 * linear(channel(4));
  return 1.05 / (luminance + 0.05);
}
