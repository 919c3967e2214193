/**
 * The presence hub's rules that a real node makes hard to reach deterministically: the typing throttle and
 * "nothing sent when no one else is here" by their outcomes, the merge of another node's state with one person
 * on both nodes counted once, and a silent node's state dropped after PRESENCE_EXPIRY_MS on an injected clock.
 * Two hubs share one in-process bus, as two nodes share Redis.
 */
import { afterEach, expect, test } from 'vitest';
import pino from 'pino';
import { LIMITS, type PresenceMessage } from '../../shared/index.js';
import { MemoryBus } from '../../server/bus/memory.js';
import { PresenceHub } from '../../server/presence/presence-hub.js';
import { isPresenceMessage } from '../../server/presence/presence-bus-message.js';
import type { PresenceConnection } from '../../server/presence/image-presence.js';

const key = { tenantId: 't', urlId: 'img' };
const topic = 't img';
const rules = { presence: true, presenceNames: true };
const log = pino({ level: 'silent' });
const hubs: PresenceHub[] = [];
afterEach(() => { hubs.splice(0).forEach((hub) => hub.close()); });

/** A subscription that keeps the presence frames it is sent. */
function connection(): PresenceConnection & { frames: PresenceMessage[] } {
  const frames: PresenceMessage[] = [];
  return { frames, deliverPresence: (frame) => { frames.push(JSON.parse(frame.toString()) as PresenceMessage); } };
}

/** Hubs ("nodes") on one bus, each its own clock. */
async function nodes(count: number, clock: { now: number }): Promise<PresenceHub[]> {
  const bus = new MemoryBus();
  await bus.subscribe(topic);
  const made = Array.from({ length: count }, (_, i) => new PresenceHub({ bus, nodeId: `node-${i}`, limits: LIMITS, log, now: () => clock.now }));
  bus.setHandler({
    handleBusMessage: (t, payload) => { if (isPresenceMessage(payload)) for (const hub of made) hub.messageArrived(t, payload); },
    handleBusDown() {},
    handleBusUp() {},
  });
  hubs.push(...made);
  return made;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, LIMITS.PRESENCE_FLUSH_MS * 2 + 50));

test('typing is dropped while the typer is alone, forwarded once someone else is there, then throttled per person', async () => {
  const clock = { now: 1_000_000 };
  const [hub] = await nodes(1, clock);
  const ann = connection();
  const annTab = connection();
  hub!.join(key, ann, { id: 'u-ann', name: 'Ann' }, rules);
  hub!.join(key, annTab, { id: 'u-ann', name: 'Ann' }, rules);
  expect(hub!.typing(key, ann, 'c1', false)).toBe('dropped'); // only Ann, in two tabs
  hub!.join(key, connection(), { id: 'u-bob', name: 'Bob' }, rules);
  expect(hub!.typing(key, ann, 'c1', false)).toBe('forwarded');
  clock.now += LIMITS.TYPING_MIN_INTERVAL_MS - 1;
  expect(hub!.typing(key, annTab, 'c1', false)).toBe('dropped'); // the same person from another tab
  clock.now += 1;
  expect(hub!.typing(key, ann, 'c1', false)).toBe('forwarded');
  expect(hub!.typing(key, ann, 'c2', true)).toBe('dropped'); // never typing there
  expect(hub!.typing(key, ann, 'c1', true)).toBe('forwarded');
  expect(hub!.typing(key, connection(), 'c1', false)).toBe('dropped'); // not a viewer of the image
  hub!.rulesChanged('t', { presence: false, presenceNames: true });
  clock.now += LIMITS.TYPING_MIN_INTERVAL_MS;
  expect(hub!.typing(key, ann, 'c1', false)).toBe('dropped'); // presence off
});

test('a typer whose identity changes (a sign-in on an open connection) stops typing as who they were', async () => {
  const clock = { now: 1_000_000 };
  const [hub] = await nodes(1, clock);
  const bob = connection();
  const someone = connection();
  hub!.join(key, bob, { id: 'u-bob', name: 'Bob' }, rules);
  hub!.join(key, someone, { id: null }, rules);
  expect(hub!.typing(key, someone, 'c1', false)).toBe('forwarded');
  await settle();
  const typingId = bob.frames.flatMap((frame) => ('typing' in frame ? frame.typing ?? [] : []))[0]?.id;
  expect(typingId).toBeDefined();
  hub!.update(key, someone, { id: 'g-1', name: 'Guest' });
  await settle();
  const stopped = bob.frames.flatMap((frame) => ('stoppedTyping' in frame ? frame.stoppedTyping ?? [] : []));
  expect(stopped).toEqual([{ id: typingId, chatId: 'c1' }]);
});

test('another node\'s people are merged, one person on both nodes counts once, and a silent node is dropped after the expiry', async () => {
  const clock = { now: 1_000_000 };
  const [one, two] = await nodes(2, clock);
  const ann = connection();
  const bob = connection();
  one!.join(key, ann, { id: 'u-ann', name: 'Ann' }, rules);
  two!.join(key, bob, { id: 'u-bob', name: 'Bob' }, rules);
  two!.join(key, connection(), { id: 'u-ann', name: 'Ann' }, rules); // Ann's tab on the other node
  two!.join(key, connection(), { id: null }, rules); // a connection without identity
  await settle();
  expect(one!.viewersByImage('t')).toEqual(new Map([['img', 3]]));
  expect(two!.viewersByImage('t')).toEqual(new Map([['img', 3]]));
  expect(ann.frames.at(-1)).toMatchObject({ count: 3 });

  // Node two goes silent (as if killed): node one keeps its state until the expiry, then drops it.
  two!.close();
  clock.now += LIMITS.PRESENCE_EXPIRY_MS - 1;
  one!.sweep();
  await settle();
  expect(one!.viewersByImage('t')).toEqual(new Map([['img', 3]]));
  clock.now += 1;
  one!.sweep();
  await settle();
  expect(one!.viewersByImage('t')).toEqual(new Map([['img', 1]]));
  expect(ann.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 1, left: ['u-bob'] });
});

test('the last local viewer leaving tells the other nodes at once', async () => {
  const clock = { now: 1_000_000 };
  const [one, two] = await nodes(2, clock);
  const ann = connection();
  const bob = connection();
  one!.join(key, ann, { id: 'u-ann', name: 'Ann' }, rules);
  two!.join(key, bob, { id: 'u-bob', name: 'Bob' }, rules);
  await settle();
  expect(ann.frames.at(-1)).toMatchObject({ count: 2 });
  two!.leave(key, bob);
  await settle();
  expect(ann.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 1, left: ['u-bob'] });
});

test('a crowd: the count stays exact, the first PRESENCE_LIST_MAX named people are listed in join order, and a listed one leaving lets the next in', async () => {
  const clock = { now: 1_000_000 };
  const [hub] = await nodes(1, clock);
  const watcher = connection();
  hub!.join(key, watcher, { id: null }, rules);
  const crowd = Array.from({ length: 30 }, () => connection());
  crowd.forEach((member, i) => hub!.join(key, member, i % 3 === 2 ? { id: `u-${i}` } : { id: `u-${i}`, name: `P${i}` }, rules));
  const named = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 2).map((i) => `u-${i}`);
  await settle();
  const last = watcher.frames.at(-1)!;
  expect(last.count).toBe(31);
  expect(last.snapshot).toBeUndefined();
  expect((last as { joined: { id: string }[] }).joined.map((v) => v.id)).toEqual(named.slice(0, LIMITS.PRESENCE_LIST_MAX));
  const late = connection();
  hub!.join(key, late, { id: 'u-late', name: 'Late' }, rules);
  expect(late.frames[0]).toMatchObject({ count: 32, snapshot: true });
  expect((late.frames[0] as { viewers: { id: string }[] }).viewers.map((v) => v.id)).toEqual(named.slice(0, LIMITS.PRESENCE_LIST_MAX));
  hub!.leave(key, crowd[0]!);
  await settle();
  expect(watcher.frames.at(-1)).toEqual({
    type: 'presence', tenantId: 't', urlId: 'img', count: 31, left: ['u-0'], joined: [{ id: named[LIMITS.PRESENCE_LIST_MAX]!, name: `P${named[LIMITS.PRESENCE_LIST_MAX]!.slice(2)}` }],
  });
});
