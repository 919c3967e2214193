/**
 * The page's shared sockets: `acquire()` hands out one store per image and one connection per server, and each
 * `release` gives back exactly one share; the connection closes a moment after its last user let go.
 */
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { SharedSockets } from '../../widget/shared-sockets.js';
import { ScriptedSocket, latest } from '../helpers/scripted-socket.js';

const image = { tenantId: 'demo', urlId: 'img' };
let names: string[];
let sockets: SharedSockets;

beforeEach(() => {
  ScriptedSocket.all = [];
  vi.useFakeTimers();
  names = [];
  sockets = new SharedSockets({ session: () => ({ load: () => null, save: () => {} }), savedName: () => 'Ann', storeName: (name) => names.push(name) });
});
afterEach(() => vi.useRealTimers());

/** Holds the server's connection on the scripted socket, live, as a test page's first widget would. */
function liveServer(server = 'http://chat.test') {
  const held = sockets.acquireConnection(server, { WebSocket: ScriptedSocket, random: () => 0 });
  latest().open();
  latest().welcome();
  return held;
}

test('two widgets of one image share its store; it is unsubscribed when the last lets go, not before', () => {
  const held = liveServer();
  const first = sockets.acquire('http://chat.test', image);
  const second = sockets.acquire('http://chat.test/', image);
  expect(second.store).toBe(first.store);
  expect(latest().sent.filter((m) => m.type === 'subscribe')).toHaveLength(1);
  first.release();
  first.release(); // a second release of the same share changes nothing
  expect(latest().sent.some((m) => m.type === 'unsubscribe')).toBe(false);
  expect(second.store.subscription).toBe('subscribing');
  second.release();
  expect(latest().sent.at(-1)).toEqual({ type: 'unsubscribe', ...image });
  expect(second.store.subscription).toBe('unsubscribed');
  held.release();
});

test('one connection per server; it closes a moment after its last user let go, unless one comes back', () => {
  const held = liveServer();
  expect(sockets.acquireConnection('http://chat.test').connection).toBe(held.connection);
  const other = liveServer('http://other.test');
  expect(sockets.connectionCount).toBe(2);
  other.release();
  vi.advanceTimersByTime(999);
  expect(sockets.connectionCount).toBe(2);
  const back = sockets.acquire('http://other.test', image); // came back within the linger time: same socket
  expect(back.store.connection).toBe(other.connection);
  back.release();
  vi.advanceTimersByTime(1000);
  expect(sockets.connectionCount).toBe(1);
  expect(other.connection.state).toBe('closed');
  expect(held.connection.state).toBe('live');
});

test('a new display name is kept and sent on every open connection', () => {
  liveServer();
  sockets.setName('Bea');
  expect(names).toEqual(['Bea']);
  expect(latest().sent.at(-1)).toEqual({ type: 'hello', name: 'Bea', session: 'token-1' });
  expect(latest().sent[0]).toEqual({ type: 'hello', name: 'Ann' });
});
