/**
 * The widget's connection logic that depends on time — backoff, heartbeat, state changes, late callbacks,
 * the browser's online/offline — driven deterministically with a scripted socket and fake timers. The same
 * connection against the real server is tested in test/integration/widget-store.test.ts.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { WidgetConnection, indicatorState, type ConnectionState, type ConnectionStateChange, type NetworkMonitor } from '../../widget/connection.js';
import type { ServerMessage } from '../../shared/index.js';
import { ScriptedSocket, latest } from '../helpers/scripted-socket.js';
import { ImageStore } from '../../widget/store.js';


/** A connection that has been asked to connect; `states` records the changes after that first step. */
function connect(extra: Partial<ConstructorParameters<typeof WidgetConnection>[0]> = {}) {
  const states: ConnectionState[] = [];
  const connection = new WidgetConnection({ url: 'ws://test/ws', WebSocket: ScriptedSocket, random: () => 0.5, pingIntervalMs: 1000, ...extra });
  connection.connect();
  connection.onState(({ newState }) => states.push(newState));
  return { connection, states };
}

beforeEach(() => {
  ScriptedSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('says hello with the saved session, goes live on welcome, and emits only real state changes', () => {
  const saved: string[] = [];
  const { connection, states } = connect({ name: 'Ann', sessionStorage: { load: () => 'old-token', save: (t) => saved.push(t) } });
  expect(connection.state).toBe('connecting');
  latest().open();
  expect(latest().sent[0]).toEqual({ type: 'hello', name: 'Ann', session: 'old-token' });
  latest().welcome();
  latest().welcome();
  expect(states).toEqual(['live']);
  expect(saved).toEqual(['token-1', 'token-1']);
  expect(connection.user).toEqual({ id: 'u1', name: 'Ann' });
  connection.close();
});

test('reconnects with full-jitter exponential backoff: connecting, then offline while attempts fail, then live', () => {
  const { connection, states } = connect();
  latest().open();
  latest().welcome();
  latest().drop();
  expect(states).toEqual(['live', 'connecting']);
  // Attempt 0 waits min + 0.5 × (min(20 s, 0.5 s × 2^1) − min) = 750 ms (jittered from the first attempt on).
  vi.advanceTimersByTime(749);
  expect(ScriptedSocket.all).toHaveLength(1);
  vi.advanceTimersByTime(1);
  expect(ScriptedSocket.all).toHaveLength(2);
  latest().drop(); // the server is still down
  expect(states).toEqual(['live', 'connecting', 'offline']);
  // Attempt 1: 500 + 0.5 × (2000 − 500) = 1250 ms; attempt 2: 500 + 0.5 × 3500 = 2250 ms.
  vi.advanceTimersByTime(1249);
  expect(ScriptedSocket.all).toHaveLength(2);
  vi.advanceTimersByTime(1);
  latest().drop();
  vi.advanceTimersByTime(2250);
  expect(ScriptedSocket.all).toHaveLength(4);
  latest().open();
  latest().welcome();
  expect(states).toEqual(['live', 'connecting', 'offline', 'live']);
  connection.close();
});

test('the heartbeat pings, and a server silent for two intervals is dropped and reconnected', () => {
  const { connection, states } = connect();
  const first = latest();
  first.open();
  first.welcome();
  vi.advanceTimersByTime(1000);
  expect(first.sent.filter((m) => m.type === 'ping')).toHaveLength(1);
  first.receive({ type: 'pong' });
  vi.advanceTimersByTime(2000);
  expect(first.closedWith).toBeNull();
  vi.advanceTimersByTime(1001); // nothing heard for more than 2 × 1000 ms
  expect(first.closedWith).toBe(1000);
  expect(states).toEqual(['live', 'connecting']);
  vi.advanceTimersByTime(750);
  expect(ScriptedSocket.all).toHaveLength(2);
  connection.close();
});

test('late callbacks of an old socket are ignored', () => {
  const { connection } = connect();
  const old = latest();
  old.open();
  old.welcome('Ann');
  const lateMessage = old.onmessage!;
  const lateClose = old.onclose!;
  connection.reconnect();
  vi.advanceTimersByTime(750);
  const current = latest();
  expect(current).not.toBe(old);
  current.open();
  current.welcome('Ann');
  lateMessage({ data: JSON.stringify({ type: 'welcome', user: { id: 'u2', name: 'Mallory' }, session: 'x' }) });
  lateClose({ code: 1006, reason: '' });
  expect(connection.user).toEqual({ id: 'u1', name: 'Ann' });
  expect(connection.state).toBe('live');
  expect(ScriptedSocket.all).toHaveLength(2);
  connection.close();
});

test('the browser going offline drops the socket and waits; coming online connects at once', () => {
  let listener: (online: boolean) => void = () => {};
  const network: NetworkMonitor = { online: () => true, watch: (l) => { listener = l; return () => {}; } };
  const { connection, states } = connect({ network });
  latest().open();
  latest().welcome();
  listener(false);
  expect(states).toEqual(['live', 'offline']);
  vi.advanceTimersByTime(60_000);
  expect(ScriptedSocket.all).toHaveLength(1);
  listener(true);
  expect(ScriptedSocket.all).toHaveLength(2);
  expect(connection.state).toBe('connecting');
  connection.close();
});

test('writes in flight fail as lost when the socket drops; writes while down fail at once', async () => {
  const { connection } = connect();
  latest().open();
  latest().welcome();
  const inFlight = connection.write({ type: 'resolve-chat', broadcastId: 'b1', tenantId: 't', urlId: 'u', chatId: 'c', resolved: true });
  latest().drop();
  await expect(inFlight).resolves.toMatchObject({ ok: false, code: 'unavailable', lost: true });
  await expect(connection.write({ type: 'delete-chat', broadcastId: 'b2', tenantId: 't', urlId: 'u', chatId: 'c' }))
    .resolves.toEqual({ ok: false, code: 'unavailable', message: 'not connected' });
  connection.close();
});

test('after a reconnect every image is subscribed again from its last seq and epoch', () => {
  const { connection } = connect();
  const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'img' });
  store.open();
  latest().open();
  expect(latest().sent).toContainEqual({ type: 'subscribe', tenantId: 'demo', urlId: 'img' });
  latest().welcome();
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'img', seq: 7, epoch: 'e1', reset: true, chats: [] });
  latest().drop();
  vi.advanceTimersByTime(750);
  latest().open();
  expect(latest().sent).toContainEqual({ type: 'subscribe', tenantId: 'demo', urlId: 'img', since: 7, epoch: 'e1' });
  connection.close();
});

test('a resync from the server makes the store subscribe again with since', () => {
  const { connection } = connect();
  const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'img' });
  store.open();
  latest().open();
  latest().welcome();
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'img', seq: 3, epoch: 'e1', reset: true, chats: [] });
  latest().receive({ type: 'resync', tenantId: 'demo', urlId: 'img' });
  expect(latest().sent.at(-1)).toEqual({ type: 'subscribe', tenantId: 'demo', urlId: 'img', since: 3, epoch: 'e1' });
  connection.close();
});

test('closed for flooding (1008), it comes back slowly rather than at once', () => {
  const { connection } = connect();
  latest().open();
  latest().welcome();
  latest().drop(1008);
  // Step 4: 500 + 0.5 × (min(20 s, 500 × 2^5) − 500) = 8250 ms.
  vi.advanceTimersByTime(8249);
  expect(ScriptedSocket.all).toHaveLength(1);
  vi.advanceTimersByTime(1);
  expect(ScriptedSocket.all).toHaveLength(2);
  connection.close();
});

test('two stores of one image on one connection both get its frames; it is unsubscribed when both left', () => {
  const { connection } = connect();
  const first = new ImageStore(connection, { tenantId: 'demo', urlId: 'img' });
  first.open();
  latest().open();
  latest().welcome();
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'img', seq: 4, epoch: 'e1', reset: true, chats: [] });
  const second = new ImageStore(connection, { tenantId: 'demo', urlId: 'img' });
  second.open();
  // The newcomer has no resume point: the image is subscribed for a snapshot, which both take.
  expect(latest().sent.at(-1)).toEqual({ type: 'subscribe', tenantId: 'demo', urlId: 'img' });
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'img', seq: 4, epoch: 'e1', reset: true, chats: [] });
  const author = { id: 'u2', name: 'Bo' };
  latest().receive({
    type: 'new-image-chat', broadcastId: 'b5', tenantId: 'demo', urlId: 'img', seq: 5, chatId: 'c5',
    chat: { id: 'c5', number: 5, x: 0.1, y: 0.1, author, createdAt: 5, resolved: false, comments: [] },
  });
  expect([first.seq, second.seq]).toEqual([5, 5]);
  expect(second.chat('c5')?.author).toEqual(author);
  first.close();
  expect(latest().sent.some((m) => m.type === 'unsubscribe')).toBe(false);
  latest().receive({ type: 'resync', tenantId: 'demo', urlId: 'img' });
  expect(latest().sent.at(-1)).toEqual({ type: 'subscribe', tenantId: 'demo', urlId: 'img', since: 5, epoch: 'e1' });
  second.close();
  expect(latest().sent.at(-1)).toEqual({ type: 'unsubscribe', tenantId: 'demo', urlId: 'img' });
  connection.close();
});

test('connects only when asked; every change is emitted once as { newState, oldState, reason }, closed apart from offline', () => {
  const connection = new WidgetConnection({ url: 'ws://test/ws', WebSocket: ScriptedSocket, random: () => 0.5, pingIntervalMs: 1000 });
  const changes: ConnectionStateChange[] = [];
  connection.onState((change) => changes.push(change));
  expect(connection.state).toBe('closed');
  expect(ScriptedSocket.all).toHaveLength(0);
  connection.connect();
  connection.connect(); // already started: no second socket
  expect(ScriptedSocket.all).toHaveLength(1);
  latest().open();
  latest().welcome();
  latest().drop(1006);
  vi.advanceTimersByTime(750);
  latest().drop(1006);
  connection.close();
  expect(changes).toEqual([
    { oldState: 'closed', newState: 'connecting', reason: 'connect called' },
    { oldState: 'connecting', newState: 'live', reason: 'welcome' },
    { oldState: 'live', newState: 'connecting', reason: 'socket closed' },
    { oldState: 'connecting', newState: 'offline', reason: 'socket closed' },
    { oldState: 'offline', newState: 'closed', reason: 'closed by the page' },
  ]);
  vi.advanceTimersByTime(60_000);
  expect(ScriptedSocket.all).toHaveLength(2);
  expect(connection.isLive).toBe(false);
});

test('a browser without network at connect() waits offline, then connects when it comes back', () => {
  let listener: (online: boolean) => void = () => {};
  let online = false;
  const network: NetworkMonitor = { online: () => online, watch: (l) => { listener = l; return () => {}; } };
  const connection = new WidgetConnection({ url: 'ws://test/ws', WebSocket: ScriptedSocket, network });
  const changes: ConnectionStateChange[] = [];
  connection.onState((change) => changes.push(change));
  connection.connect();
  expect(ScriptedSocket.all).toHaveLength(0);
  online = true;
  listener(true);
  expect(ScriptedSocket.all).toHaveLength(1);
  expect(changes).toEqual([
    { oldState: 'closed', newState: 'offline', reason: 'the browser is offline' },
    { oldState: 'offline', newState: 'connecting', reason: 'the browser is online' },
  ]);
  connection.close();
});

test('the live indicator is decided in one place: closed reads as offline', () => {
  expect((['connecting', 'live', 'offline', 'closed'] as const).map(indicatorState)).toEqual(['connecting', 'live', 'offline', 'offline']);
});

test('a feed channel (the dashboard\'s tenant feed) is subscribed after hello on every open and takes its own frames', () => {
  const { connection } = connect();
  const offered: unknown[] = [];
  const errors: unknown[] = [];
  connection.onError((error) => errors.push(error));
  connection.attachFeed({
    subscribe: (send) => send({ type: 'subscribe-tenant', tenantId: 'demo', secret: 's' }),
    offer: (frame) => {
      const mine = typeof frame === 'object' && frame !== null && (frame as { tenantId?: unknown }).tenantId === 'demo';
      if (mine) offered.push(frame);
      return mine;
    },
    connectionLost: () => offered.push('lost'),
  });
  latest().open();
  expect(latest().sent.map((m) => m.type)).toEqual(['hello', 'subscribe-tenant']);
  latest().receive({ type: 'subscribed', role: 'admin', tenantId: 'demo' } as unknown as ServerMessage);
  latest().onmessage!({ data: JSON.stringify({ type: 'tenant-event', tenantId: 'demo', event: { seq: 1 } }) });
  latest().receive({ type: 'error', code: 'forbidden', message: 'no', for: 'subscribe-tenant', tenantId: 'demo' });
  latest().receive({ type: 'error', code: 'bad-request', message: 'not for the feed' });
  expect(offered).toEqual([
    { type: 'subscribed', role: 'admin', tenantId: 'demo' },
    { type: 'tenant-event', tenantId: 'demo', event: { seq: 1 } },
    { type: 'error', code: 'forbidden', message: 'no', for: 'subscribe-tenant', tenantId: 'demo' },
  ]);
  expect(errors).toEqual([{ code: 'bad-request', message: 'not for the feed' }]);
  latest().drop();
  vi.advanceTimersByTime(750);
  latest().open();
  expect(offered.at(-1)).toBe('lost');
  expect(latest().sent.map((m) => m.type)).toEqual(['hello', 'subscribe-tenant']);
  connection.close();
});

/** A tenant's welcome, as the server sends it. */
function tenantWelcome(tenantId: string, user: Record<string, unknown>, rules: Record<string, unknown> = {}, session = `${tenantId}-token`): ServerMessage {
  return {
    type: 'welcome', tenantId, session, user: { id: 'u-t', name: 'Guest', kind: 'guest', ...user },
    rules: { write: 'anyone', resolve: 'anyone', presence: true, presenceNames: true, simpleSso: false, loginUrl: null, ...rules },
  } as ServerMessage;
}

const SSO = { userDataJSONBase64: 'eyJpZCI6ImFubiJ9', verificationHash: 'ab'.repeat(32), timestamp: 1 };

test('after its own hello, says hello once per tenant of its images with that tenant\'s saved session, on every open', () => {
  const sessions: Record<string, string> = { '': 'conn-token', acme: 'acme-token' };
  const saved: [string, string | undefined][] = [];
  const { connection } = connect({ sessionStorage: { load: (t) => sessions[t ?? ''] ?? null, save: (token, t) => saved.push([token, t]) } });
  for (const key of [{ tenantId: 'acme', urlId: 'a' }, { tenantId: 'acme', urlId: 'b' }, { tenantId: 'demo', urlId: 'c' }]) new ImageStore(connection, key).open();
  latest().open();
  expect(latest().sent.slice(0, 3)).toEqual([
    { type: 'hello', session: 'conn-token' },
    { type: 'hello', tenantId: 'acme', session: 'acme-token' },
    { type: 'hello', tenantId: 'demo' },
  ]);
  expect(latest().sent.slice(3).map((m) => m.type)).toEqual(['subscribe', 'subscribe', 'subscribe']);
  latest().welcome();
  latest().receive(tenantWelcome('demo', { id: 'u-d' }, { write: 'sso-only' }));
  // A tenant's welcome is that tenant's identity only: the connection's user and state come from its own.
  expect(connection.user).toEqual({ id: 'u1', name: 'Ann' });
  expect(connection.userFor('demo')).toMatchObject({ id: 'u-d', kind: 'guest' });
  expect(connection.rulesFor('demo')?.write).toBe('sso-only');
  expect(connection.userFor('acme')).toBeNull();
  expect(saved).toEqual([['token-1', undefined], ['demo-token', 'demo']]);
  // A new tenant's image is greeted before it is subscribed; a known tenant's is not greeted twice.
  new ImageStore(connection, { tenantId: 'other', urlId: 'd' }).open();
  new ImageStore(connection, { tenantId: 'demo', urlId: 'e' }).open();
  expect(latest().sent.slice(-3)).toEqual([
    { type: 'hello', tenantId: 'other' },
    { type: 'subscribe', tenantId: 'other', urlId: 'd' },
    { type: 'subscribe', tenantId: 'demo', urlId: 'e' },
  ]);
  latest().drop();
  vi.advanceTimersByTime(750);
  latest().open();
  expect(latest().sent.filter((m) => m.type === 'hello').map((m) => m.type === 'hello' && m.tenantId)).toEqual([undefined, 'acme', 'demo', 'other']);
  connection.close();
});

test('signing in and out says the tenant\'s hello again; a signed-in session is not saved; listeners hear each welcome', () => {
  const saved: (string | undefined)[] = [];
  const { connection } = connect({ sessionStorage: { load: (t) => (t ? `${t}-guest` : null), save: (_token, t) => saved.push(t) } });
  const changed: string[] = [];
  connection.onTenant((tenantId) => changed.push(tenantId));
  const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'img' });
  store.open();
  connection.setIdentity('demo', { sso: SSO }); // before the socket opens: sent with the first hello
  latest().open();
  expect(latest().sent[1]).toEqual({ type: 'hello', tenantId: 'demo', session: 'demo-guest', sso: SSO });
  latest().welcome();
  latest().receive(tenantWelcome('demo', { id: 'sso:ann', name: 'Ann', kind: 'sso', moderator: true, avatar: 'https://a.example/ann.png' }));
  expect(connection.userFor('demo')).toMatchObject({ id: 'sso:ann', moderator: true });
  expect(saved).toEqual([undefined]);
  // Setting the same identity again sends nothing; logging out says the guest hello at once.
  connection.setIdentity('demo', { sso: { ...SSO } });
  const before = latest().sent.length;
  expect(latest().sent).toHaveLength(before);
  connection.setIdentity('demo', null);
  expect(latest().sent.at(-1)).toEqual({ type: 'hello', tenantId: 'demo', session: 'demo-guest' });
  latest().receive(tenantWelcome('demo', { id: 'u-g' }));
  expect(connection.userFor('demo')).toMatchObject({ id: 'u-g', kind: 'guest' });
  expect(changed).toEqual(['demo', 'demo']);
  expect(saved).toEqual([undefined, 'demo']);
  // Simple SSO goes out as simpleSso.
  connection.setIdentity('demo', { simpleSso: { name: 'Cleo', id: 'c1' } });
  expect(latest().sent.at(-1)).toEqual({ type: 'hello', tenantId: 'demo', session: 'demo-guest', simpleSso: { name: 'Cleo', id: 'c1' } });
  connection.close();
});

test('the optimistic marker is made by the tenant\'s user, not the connection\'s guest', async () => {
  const { connection } = connect();
  const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'img' });
  store.open();
  connection.setIdentity('demo', { sso: SSO });
  latest().open();
  latest().welcome();
  latest().receive(tenantWelcome('demo', { id: 'sso:ann', name: 'Ann S', kind: 'sso' }));
  latest().receive({ type: 'subscribed', tenantId: 'demo', urlId: 'img', seq: 0, epoch: 'e1', reset: true, chats: [] });
  void store.createChat(0.5, 0.5, 'hi', 'c1');
  expect(store.chat('c1')?.author).toEqual({ id: 'sso:ann', name: 'Ann S' });
  connection.close();
});

test('a refused tenant hello goes to that tenant\'s listeners, falls back to its guest once, and the connection lives on', () => {
  const { connection, states } = connect({ sessionStorage: { load: (t) => (t ? `${t}-guest` : null), save: () => {} } });
  const refusals: unknown[] = [];
  const errors: unknown[] = [];
  connection.onTenantError((error) => refusals.push(error));
  connection.onError((error) => errors.push(error));
  new ImageStore(connection, { tenantId: 'demo', urlId: 'img' }).open();
  connection.setIdentity('demo', { sso: SSO });
  latest().open();
  latest().welcome();
  latest().receive(tenantWelcome('demo', { id: 'sso:ann', kind: 'sso' }));
  connection.setIdentity('demo', { sso: { ...SSO, timestamp: 2 } });
  latest().receive({ type: 'error', for: 'hello', tenantId: 'demo', code: 'sso-expired', message: 'signed more than 2 days ago' });
  expect(refusals).toEqual([{ tenantId: 'demo', code: 'sso-expired', message: 'signed more than 2 days ago' }]);
  expect(connection.userFor('demo')).toBeNull();
  expect(latest().sent.at(-1)).toEqual({ type: 'hello', tenantId: 'demo', session: 'demo-guest' });
  // The guest hello refused too: no third try.
  const sent = latest().sent.length;
  latest().receive({ type: 'error', for: 'hello', tenantId: 'demo', code: 'rate-limited', message: 'slow down' });
  expect(latest().sent).toHaveLength(sent);
  expect(errors).toEqual([]);
  expect(states).toEqual(['live']);
  connection.close();
});

test('a guest\'s tenant hello carries the display name, and a new name is said to those tenants too; a signed-in one\'s does not', () => {
  const { connection } = connect({ name: 'Bea' });
  new ImageStore(connection, { tenantId: 'demo', urlId: 'a' }).open();
  new ImageStore(connection, { tenantId: 'acme', urlId: 'b' }).open();
  connection.setIdentity('acme', { sso: SSO });
  latest().open();
  expect(latest().sent.slice(0, 3)).toEqual([
    { type: 'hello', name: 'Bea' },
    { type: 'hello', tenantId: 'demo', name: 'Bea' },
    { type: 'hello', tenantId: 'acme', sso: SSO },
  ]);
  latest().welcome('Bea');
  const before = latest().sent.length;
  connection.setName('Bo');
  expect(latest().sent.slice(before)).toEqual([{ type: 'hello', name: 'Bo', session: 'token-1' }, { type: 'hello', tenantId: 'demo', name: 'Bo' }]);
  connection.close();
});

test('a refused guest hello (an unknown tenant) is left to the subscription\'s own error: no sign-in refusal, no retry', () => {
  const { connection } = connect();
  const refusals: unknown[] = [];
  connection.onTenantError((error) => refusals.push(error));
  new ImageStore(connection, { tenantId: 'nope', urlId: 'img' }).open();
  latest().open();
  latest().welcome();
  const sent = latest().sent.length;
  latest().receive({ type: 'error', for: 'hello', tenantId: 'nope', code: 'forbidden', message: 'tenant "nope" does not exist' });
  expect(refusals).toEqual([]);
  expect(latest().sent).toHaveLength(sent);
  connection.close();
});
