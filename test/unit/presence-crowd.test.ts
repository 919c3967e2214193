/**
 * Presence for a crowd (issues 14 and 15): past PRESENCE_CROWD_VIEWERS local viewers a change of the count alone
 * waits for the crowd's window on the hub's own clock, while listed joins and typing go at the next flush; fresh
 * subscribers get the very same bytes as everyone (or nothing); and a node's bus state is bounded by
 * PRESENCE_STATE_PEOPLE_MAX with the rest counted. Small limits make a crowd of a handful; the clock is frozen, so
 * a count-only change is held until the test moves it.
 */
import { afterEach, expect, test } from 'vitest';
import pino from 'pino';
import { LIMITS, type PresenceMessage } from '../../shared/index.js';
import { MemoryBus } from '../../server/bus/memory.js';
import { PresenceHub } from '../../server/presence/presence-hub.js';
import { decodePresenceMessage, isPresenceMessage, type PresenceStateMessage } from '../../server/presence/presence-bus-message.js';
import type { PresenceConnection } from '../../server/presence/image-presence.js';

const key = { tenantId: 't', urlId: 'img' };
const topic = 't img';
const rules = { presence: true, presenceNames: true };
const log = pino({ level: 'silent' });
const limits = { ...LIMITS, PRESENCE_FLUSH_MS: 20, PRESENCE_CROWD_VIEWERS: 3, PRESENCE_CROWD_FLUSH_MS: 60_000, PRESENCE_STATE_PEOPLE_MAX: 5 };
const hubs: PresenceHub[] = [];
afterEach(() => { hubs.splice(0).forEach((hub) => hub.close()); });

/** A subscription that keeps the presence frames it is sent, and the buffers themselves. */
function connection(): PresenceConnection & { frames: PresenceMessage[]; buffers: Buffer[] } {
  const frames: PresenceMessage[] = [];
  const buffers: Buffer[] = [];
  return { frames, buffers, deliverPresence: (frame) => { buffers.push(frame); frames.push(JSON.parse(frame.toString()) as PresenceMessage); } };
}

/** Hubs ("nodes") on one bus with one frozen clock; `states` keeps every state message published. */
async function nodes(count: number, clock: { now: number }, states: PresenceStateMessage[] = []): Promise<PresenceHub[]> {
  const bus = new MemoryBus();
  await bus.subscribe(topic);
  const made = Array.from({ length: count }, (_, i) => new PresenceHub({ bus, nodeId: `node-${i}`, limits, log, now: () => clock.now }));
  bus.setHandler({
    handleBusMessage: (t, payload) => {
      if (!isPresenceMessage(payload)) return;
      const message = decodePresenceMessage(payload);
      if (message?.presence === 'state') states.push(message);
      for (const hub of made) hub.messageArrived(t, payload);
    },
    handleBusDown() {},
    handleBusUp() {},
  });
  hubs.push(...made);
  return made;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, limits.PRESENCE_FLUSH_MS * 4 + 50));

test('a crowd hears count-only changes once per window, listed joins and typing at once, and a small audience at once again', async () => {
  const clock = { now: 1_000_000 };
  const [hub] = await nodes(1, clock);
  const watcher = connection();
  hub!.join(key, watcher, { id: null }, rules);
  const crowd = Array.from({ length: 5 }, () => connection());
  for (const member of crowd) hub!.join(key, member, { id: null }, rules);
  await settle();
  // The first change of a crowd goes out at once (nothing was sent within its window).
  expect(watcher.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 6 });
  const seen = watcher.frames.length;

  const late = connection();
  hub!.join(key, late, { id: null }, rules);
  await settle();
  expect(watcher.frames.length).toBe(seen); // count 7 waits for the window

  const ann = connection();
  hub!.join(key, ann, { id: 'u-ann', name: 'Ann' }, rules);
  await settle();
  const annJoined = { type: 'presence', tenantId: 't', urlId: 'img', count: 8, joined: [{ id: 'u-ann', name: 'Ann' }] };
  expect(watcher.frames.slice(seen)).toEqual([annJoined]); // the held count rides along, exact
  // The fresh subscriber (its snapshot said 7) gets the very same bytes as everyone, not a frame of its own.
  expect(late.frames.map((frame) => frame.count)).toEqual([7, 8]);
  expect(late.buffers.at(-1)).toBe(watcher.buffers.at(-1));

  const extras = [connection(), connection(), connection()];
  hub!.join(key, extras[0]!, { id: null }, rules);
  expect(hub!.typing(key, ann, 'c1', false)).toBe('forwarded');
  await settle();
  expect(watcher.frames.at(-1)).toEqual({ ...annJoined, count: 9, joined: undefined, typing: [{ id: 'u-ann', name: 'Ann', chatId: 'c1' }] });
  expect(ann.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 9 }); // without her own typing

  hub!.join(key, extras[1]!, { id: null }, rules);
  await settle();
  expect(watcher.frames.at(-1)!.count).toBe(9); // held
  clock.now += limits.PRESENCE_CROWD_FLUSH_MS;
  hub!.join(key, extras[2]!, { id: null }, rules);
  await settle();
  expect(watcher.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 11 });

  // Everyone but the watcher and Ann leaves: no crowd any more, so the count goes out at the next flush.
  for (const member of [...crowd, late, ...extras]) hub!.leave(key, member);
  await settle();
  expect(watcher.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 2 });
});

test('below the crowd a count change goes at the next flush, and a fresh subscriber whose snapshot is current gets nothing of its own', async () => {
  const clock = { now: 1_000_000 };
  const [hub] = await nodes(1, clock);
  const watcher = connection();
  hub!.join(key, watcher, { id: null }, rules);
  await settle();
  const fresh = connection();
  hub!.join(key, fresh, { id: null }, rules);
  await settle();
  expect(watcher.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 2 });
  expect(fresh.frames).toEqual([{ type: 'presence', tenantId: 't', urlId: 'img', count: 2, snapshot: true, viewers: [] }]);
  hub!.leave(key, fresh);
  await settle();
  expect(watcher.frames.at(-1)).toEqual({ type: 'presence', tenantId: 't', urlId: 'img', count: 1 });
});

test('a flush with nothing new for everyone still corrects a fresh subscriber whose snapshot went stale before it', async () => {
  const clock = { now: 1_000_000 };
  const [hub] = await nodes(1, clock);
  const watcher = connection();
  const passerby = connection();
  hub!.join(key, watcher, { id: null }, rules);
  hub!.join(key, passerby, { id: null }, rules);
  await settle();
  expect(watcher.frames.at(-1)!.count).toBe(2);
  const seen = watcher.frames.length;
  // Joins (its snapshot says 3), then the passer-by leaves before the next flush: everyone else already has 2.
  const fresh = connection();
  hub!.join(key, fresh, { id: null }, rules);
  hub!.leave(key, passerby);
  await settle();
  expect(fresh.frames).toEqual([
    { type: 'presence', tenantId: 't', urlId: 'img', count: 3, snapshot: true, viewers: [] },
    { type: 'presence', tenantId: 't', urlId: 'img', count: 2 },
  ]);
  expect(watcher.frames.length).toBe(seen);
});

test('a node with more people than PRESENCE_STATE_PEOPLE_MAX publishes the earliest named ones by id and counts the rest', async () => {
  const clock = { now: 1_000_000 };
  const states: PresenceStateMessage[] = [];
  const [one, two] = await nodes(2, clock, states);
  const watcher = connection();
  one!.join(key, watcher, { id: null }, rules);
  // Eight guests with sessions on node two; the two named ones join last.
  for (let i = 0; i < 6; i += 1) two!.join(key, connection(), { id: `g-${i}` }, rules);
  two!.join(key, connection(), { id: 'u-bob', name: 'Bob' }, rules);
  two!.join(key, connection(), { id: 'u-cas', name: 'Cas' }, rules);
  clock.now += limits.PRESENCE_CROWD_FLUSH_MS; // past any crowd window
  two!.join(key, connection(), { id: 'g-0' }, rules); // a second tab: still eight people
  await settle();
  const last = states.filter((state) => state.node === 'node-1').at(-1)!;
  expect(last.people.map((person) => person.id)).toEqual(['u-bob', 'u-cas', 'g-0', 'g-1', 'g-2']);
  expect(last.morePeople).toBe(3);
  expect(one!.viewersByImage('t')).toEqual(new Map([['img', 9]]));
  expect(watcher.frames.at(-1)).toMatchObject({ count: 9 });
  expect(watcher.frames.flatMap((frame) => ('joined' in frame ? frame.joined ?? [] : [])).map((viewer) => viewer.id)).toEqual(['u-bob', 'u-cas']);
});
