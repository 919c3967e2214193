/**
 * Connection admission against a real server: the per-address cap, the per-address rate, the node-wide cap,
 * the client address behind a trusted proxy, and the widget backing off when refused.
 */
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { WidgetConnection } from '../../widget/connection.js';
import { startTestServer, removeDir, type TestServer } from '../helpers/server.js';
import { metricValue } from '../helpers/metrics.js';
import { until } from '../helpers/wait.js';

/** Generous everywhere except what a test sets. */
const OPEN = { MAX_CONNECTIONS_PER_IP: '1000', CONNECTION_RATE_PER_IP: '100000', CONNECTION_BURST_PER_IP: '1000', MAX_CONNECTIONS: '1000', MAX_TCP_CONNECTIONS_PER_IP: '1000' };

type Attempt = { open: true; socket: WebSocket } | { open: false; code: number; reason: string };

const servers: TestServer[] = [];
const sockets: WebSocket[] = [];

async function start(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({ ...OPEN, ...env });
  servers.push(server);
  return server;
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const server of servers.splice(0)) {
    await server.close();
    removeDir(server.dataDir);
  }
});

/** Opens a socket and tells whether the server let it in (it answers a ping) or closed it (with what). */
function attempt(server: TestServer, headers: Record<string, string> = {}): Promise<Attempt> {
  const socket = new WebSocket(server.wsUrl, { headers });
  sockets.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => socket.send('{"type":"ping"}'));
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'pong') resolve({ open: true, socket });
    });
    socket.once('close', (code, reason) => resolve({ open: false, code, reason: reason.toString() }));
  });
}

async function attempts(server: TestServer, count: number, headers: Record<string, string> = {}): Promise<Attempt[]> {
  const results: Attempt[] = [];
  for (let i = 0; i < count; i += 1) results.push(await attempt(server, headers));
  return results;
}


const refusedCount = async (server: TestServer, reason: string): Promise<number> => {
  const body = (await server.metrics.scrape()).body;
  const line = body.split('\n').find((l) => l.startsWith(`imagechat_connections_refused_total{reason="${reason}"}`));
  return Number(line?.split(' ').at(-1) ?? NaN);
};

test('past MAX_CONNECTIONS_PER_IP an address is refused with 1008 until some of its sockets close', async () => {
  const server = await start({ MAX_CONNECTIONS_PER_IP: '5' });
  const first = await attempts(server, 5);
  expect(first.every((a) => a.open)).toBe(true);
  const extra = await attempts(server, 3);
  expect(extra).toEqual(Array(3).fill({ open: false, code: 1008, reason: 'too many connections from this address' }));
  expect(await refusedCount(server, 'address-connections')).toBe(3);
  expect(server.gateway.connectionCount).toBe(5);

  for (const a of first.slice(0, 2)) if (a.open) a.socket.close();
  await until(() => server.gateway.connectionCount === 3);
  const again = await attempts(server, 3);
  expect(again.map((a) => a.open)).toEqual([true, true, false]);
});

test('past CONNECTION_BURST_PER_IP new sockets from an address come at CONNECTION_RATE_PER_IP a minute', async () => {
  // A burst of 4, then one a second.
  const server = await start({ CONNECTION_BURST_PER_IP: '4', CONNECTION_RATE_PER_IP: '60' });
  const burst: Attempt[] = [];
  for (let i = 0; i < 5; i += 1) {
    const result = await attempt(server);
    burst.push(result);
    // Closed at once, so only the rate can refuse the fifth.
    if (result.open) result.socket.close();
  }
  expect(burst.map((a) => a.open)).toEqual([true, true, true, true, false]);
  expect(burst[4]).toEqual({ open: false, code: 1008, reason: 'too many new connections from this address; slow down' });
  expect(await refusedCount(server, 'address-rate')).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  expect((await attempts(server, 2)).map((a) => a.open)).toEqual([true, false]);
});

test('past MAX_CONNECTIONS the node refuses everyone with 1013', async () => {
  const server = await start({ MAX_CONNECTIONS: '3', TRUST_PROXY: '127.0.0.1' });
  const from = (address: string) => ({ 'X-Forwarded-For': address });
  const admitted = [await attempt(server, from('198.51.100.1')), await attempt(server, from('198.51.100.2')), await attempt(server, from('198.51.100.3'))];
  expect(admitted.every((a) => a.open)).toBe(true);
  expect(await attempt(server, from('198.51.100.4'))).toEqual({ open: false, code: 1013, reason: 'server full, try again later' });
  expect(await refusedCount(server, 'node-full')).toBe(1);
  if (admitted[0]!.open) admitted[0]!.socket.close();
  await until(() => server.gateway.connectionCount === 2);
  expect((await attempt(server, from('198.51.100.4'))).open).toBe(true);
});

test('behind a trusted proxy each X-Forwarded-For client is counted apart, and what it forged to the left is ignored', async () => {
  const server = await start({ MAX_CONNECTIONS_PER_IP: '2', TRUST_PROXY: '127.0.0.1' });
  // The proxy appends the address it saw; the client wrote the rest, different each time.
  const a = await attempts(server, 3, { 'X-Forwarded-For': '198.51.100.7' });
  expect(a.map((x) => x.open)).toEqual([true, true, false]);
  const forged = await Promise.all(['1.1.1.1', '2.2.2.2'].map((fake) => attempt(server, { 'X-Forwarded-For': `${fake}, 198.51.100.7` })));
  expect(forged.map((x) => x.open)).toEqual([false, false]);
  // Another client behind the same proxy is not held to the first one's cap.
  expect((await attempts(server, 2, { 'X-Forwarded-For': '198.51.100.8' })).map((x) => x.open)).toEqual([true, true]);
  // IPv6 clients are counted per /64.
  const v6 = await Promise.all(['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3'].map((ip) => attempt(server, { 'X-Forwarded-For': ip })));
  expect(v6.filter((x) => x.open)).toHaveLength(2);
});

test('from an untrusted peer X-Forwarded-For is ignored: a new header each time does not get past the cap', async () => {
  const server = await start({ MAX_CONNECTIONS_PER_IP: '2', TRUST_PROXY: '10.0.0.0/8' });
  const results: Attempt[] = [];
  for (let i = 1; i <= 4; i += 1) results.push(await attempt(server, { 'X-Forwarded-For': `198.51.100.${i}` }));
  expect(results.map((x) => x.open)).toEqual([true, true, false, false]);
});

test('the widget refused by a full node waits before trying again instead of hammering it', async () => {
  const server = await start({ MAX_CONNECTIONS: '1' });
  expect((await attempt(server)).open).toBe(true);
  const widget = new WidgetConnection({ url: server.wsUrl, WebSocket: WebSocket as never, random: () => 0.5 });
  widget.connect();
  try {
    await until(async () => (await metricValue(server, 'imagechat_connections_refused_total', { reason: 'node-full' })) === 1);
    // Plain failures retry after 0.75 s, 1.25 s, …; a 1013 starts at the slow step (8 s here).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await metricValue(server, 'imagechat_connections_refused_total', { reason: 'node-full' })).toBe(1);
    expect(widget.state).toBe('offline');
  } finally {
    widget.close();
  }
});
