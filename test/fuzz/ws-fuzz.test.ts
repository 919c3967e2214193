/**
 * The WebSocket fuzzer: a real node in a child process (so a crash is seen, not hidden by the test process),
 * 50 hostile connections sending a few thousand seeded hostile frames and floods, and meanwhile one
 * well-behaved client on another tenant and address that pings and writes at a steady rate.
 *
 * Asserted: the process never exits and logs no error; every hostile frame is answered (an `error` or its
 * normal answer) or its connection is closed with 1007, 1008, 1009 or 1013 (never 1011 or anything else);
 * the well-behaved client's ping→pong and write→ack latencies stay bounded; and it receives nothing but its
 * own image's events, each once, in seq order.
 *
 * Replay a run: `FUZZ_SEED=123 npx vitest run test/fuzz/ws-fuzz.test.ts` (the seed is in every failure).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { randomInt, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { openStore } from '../../server/store/open.js';
import { hashTenantSecret, newTenantSecret } from '../../server/auth/tenant-secret.js';
import { startNodeProcess, type NodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { ANSWER_TYPES, hostileFrame, type Random, type Targets } from './ws-frames.js';
import { seededRandom } from '../helpers/seeded-random.js';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
const HOSTILE_CONNECTIONS = 50;
const HOSTILE_FRAMES = 3000;
/** How long the storm may last at most; it usually ends sooner, when the frames are sent. */
const STORM_MS = 15_000;
const ALLOWED_CLOSE_CODES = new Set([1007, 1008, 1009, 1013]);
const GOOD_ORIGIN = 'https://good.example';

const why = (what: string): string => `${what} (replay: FUZZ_SEED=${SEED})`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let node: NodeProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = makeTempDir('image-chat-fuzz-');
  const databaseUrl = `sqlite:${join(dataDir, 'fuzz.db')}`;
  // The well-behaved client's tenant, which allows only its own origin.
  const store = await openStore(databaseUrl, 100);
  await store.init();
  await store.createTenant({ id: 'good', name: 'Good', origins: [GOOD_ORIGIN], secretHash: hashTenantSecret(newTenantSecret()) });
  await store.close();
  node = await startNodeProcess({
    DATABASE_URL: databaseUrl,
    // The test plays the proxy: it names each client's address in X-Forwarded-For.
    TRUST_PROXY: '127.0.0.1',
    // The fuzzer's own many connections and reconnects are let in; every other limit keeps its default.
    MAX_CONNECTIONS_PER_IP: '1000', CONNECTION_BURST_PER_IP: '1000', CONNECTION_RATE_PER_IP: '100000',
  });
});

afterAll(async () => {
  await node?.stop();
  if (dataDir) removeDir(dataDir);
});

interface HostileOutcome {
  sent: number;
  answers: number;
  /** Frames sent that may rightly get no answer (accepted `typing`). */
  quiet: number;
  closeCode: number | null;
  /** The test cut this socket itself (no close frame: 1006 is expected). */
  cut: boolean;
  /** Frames about the closed tenant other than errors and echoed unsubscribes: each one a cross-tenant leak. */
  leaks: string[];
}

/** One hostile connection: sends its share of frames (and now and then a flood), counting answers. */
async function hostile(random: Random, index: number, frames: number, targets: Targets, deadline: number): Promise<HostileOutcome[]> {
  const outcomes: HostileOutcome[] = [];
  let left = frames;
  // A closed connection is replaced, as a persistent attacker would; each gets its own address behind the "proxy".
  while (left > 0 && Date.now() < deadline) {
    const outcome: HostileOutcome = { sent: 0, answers: 0, quiet: 0, closeCode: null, cut: false, leaks: [] };
    outcomes.push(outcome);
    const forged = random() < 0.5 ? `${['1.1.1.1', 'garbage', '::1', '[::1]:80', ''][index % 5]}, ` : '';
    const socket = new WebSocket(node.wsUrl, { headers: { 'X-Forwarded-For': `${forged}203.0.113.${index}` } });
    socket.on('error', () => {});
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type?: string; tenantId?: string; events?: { tenantId?: string }[] };
      if (frame.type && ANSWER_TYPES.has(frame.type)) outcome.answers += 1;
      const items = frame.type === 'batch' ? frame.events ?? [] : [frame];
      const echo = frame.type === 'error' || frame.type === 'unsubscribed';
      for (const item of items) if (item.tenantId === targets.closedTenant && !echo) outcome.leaks.push(String(data).slice(0, 200));
    });
    const closed = new Promise<void>((resolve) => socket.once('close', (code) => { outcome.closeCode = code; resolve(); }));
    const opened = await Promise.race([new Promise<boolean>((resolve) => socket.once('open', () => resolve(true))), closed.then(() => false)]);
    if (!opened) continue;
    while (left > 0 && outcome.closeCode === null && Date.now() < deadline) {
      if (random() < 0.01) {
        // A flood: the connection is rate-limited, then closed with 1008.
        for (let i = 0; i < 300; i += 1) socket.send('{"type":"ping"}');
        outcome.sent += 300;
      } else {
        const frame = hostileFrame(random, targets);
        socket.send(frame.data, { binary: frame.binary });
        outcome.sent += 1;
        if (frame.mayGoUnanswered) outcome.quiet += 1;
        left -= 1;
      }
      await sleep(int(random, 200));
      if (random() < 0.005) {
        outcome.cut = true; // gone mid-conversation
        socket.terminate();
        break;
      }
    }
    if (outcome.closeCode === null) return outcomes; // still open: counted once the storm settles
    await closed;
  }
  return outcomes;
}

const int = (random: Random, below: number): number => Math.floor(random() * below);

interface GoodRun {
  pings: number[];
  acks: number[];
  events: { type: string; tenantId?: string; urlId?: string; seq?: number; broadcastId?: string }[];
  foreign: unknown[];
  mine: Set<string>;
  failures: string[];
}

/** The well-behaved client: subscribes its image, pings every 100 ms and writes every 250 ms until stopped. */
async function wellBehaved(urlId: string, stop: () => boolean): Promise<GoodRun> {
  const run: GoodRun = { pings: [], acks: [], events: [], foreign: [], mine: new Set(), failures: [] };
  const socket = new WebSocket(node.wsUrl, { headers: { origin: GOOD_ORIGIN, 'X-Forwarded-For': '198.51.100.1' } });
  const waiting = new Map<string, (frame: Record<string, unknown>) => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    const all = frame.type === 'batch' ? (frame.events as Record<string, unknown>[]) : [frame];
    for (const item of all) {
      if ('tenantId' in item && (item.tenantId !== 'good' || item.urlId !== urlId)) run.foreign.push(item);
      if (typeof item.seq === 'number' && typeof item.chatId === 'string') run.events.push(item as GoodRun['events'][number]);
      const key = item.type === 'pong' ? 'pong' : item.type === 'ack' || item.type === 'error' ? String(item.broadcastId ?? item.type) : String(item.type);
      waiting.get(key)?.(item);
    }
  });
  let closeCode: number | null = null;
  socket.on('close', (code) => { closeCode = code; });
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  /** Sends a frame and waits for the answer filed under `key` (or gives up after 10 s). */
  const answer = (key: string, frame: object): Promise<Record<string, unknown>> => Promise.race([
    new Promise<Record<string, unknown>>((resolve) => {
      waiting.set(key, (reply) => { waiting.delete(key); resolve(reply); });
      socket.send(JSON.stringify(frame));
    }),
    sleep(10_000).then(() => ({ type: 'timeout', key })),
  ]);
  const subscribed = await answer('subscribed', { type: 'subscribe', tenantId: 'good', urlId });
  if (subscribed.seq !== 0) run.failures.push(`subscribe answered ${JSON.stringify(subscribed)}`);

  const timed = async (key: string, frame: object, into: number[]): Promise<Record<string, unknown>> => {
    const started = performance.now();
    const reply = await answer(key, frame);
    into.push(performance.now() - started);
    return reply;
  };
  let chatId = randomUUID();
  for (let tick = 0; !stop() && closeCode === null; tick += 1) {
    await sleep(100);
    const pong = await timed('pong', { type: 'ping' }, run.pings);
    if (pong.type !== 'pong') run.failures.push(`ping answered ${JSON.stringify(pong)}`);
    if (tick % 2 === 1) continue;
    const broadcastId = randomUUID();
    run.mine.add(broadcastId);
    const creating = tick % 40 === 0;
    if (creating) chatId = randomUUID();
    const write = creating
      ? { type: 'create-chat', broadcastId, tenantId: 'good', urlId, chatId, x: 0.5, y: 0.5, text: `marker ${tick}` }
      : { type: 'add-comment', broadcastId, tenantId: 'good', urlId, chatId, text: `comment ${tick}` };
    const ack = await timed(broadcastId, write, run.acks);
    if (ack.type !== 'ack') run.failures.push(`write answered ${JSON.stringify(ack)}`);
  }
  if (closeCode !== null) run.failures.push(`closed with ${closeCode}`);
  await sleep(300); // the last events
  socket.close();
  return run;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

test('hostile frames on 50 connections neither crash the node nor slow or leak into a well-behaved client', async () => {
  const random = seededRandom(SEED);
  const goodImage = `good-${randomUUID()}`;
  // The hostile clients even know the well-behaved client's image: they still must not see it.
  const targets: Targets = { openTenant: 'demo', closedTenant: 'good', images: [...Array.from({ length: 8 }, (_, i) => `fuzz-${i}`), goodImage] };
  const deadline = Date.now() + STORM_MS;
  let stormOver = false;
  const good = wellBehaved(goodImage, () => stormOver);
  const perConnection = Math.ceil(HOSTILE_FRAMES / HOSTILE_CONNECTIONS);
  // Each connection draws from its own stream of the seed, so the run does not depend on scheduling.
  const storm = await Promise.all(Array.from({ length: HOSTILE_CONNECTIONS }, (_, i) => hostile(seededRandom(SEED + 1 + i * 7919), i, perConnection, targets, deadline)));
  // Let the last answers arrive, then stop the well-behaved client.
  const outcomes = storm.flat();
  const settle = Date.now() + 10_000;
  while (outcomes.some((o) => o.closeCode === null && !o.cut && o.answers < o.sent - o.quiet) && Date.now() < settle) await sleep(50);
  stormOver = true;
  const run = await good;

  expect(node.child.exitCode, why(`the node exited:\n${node.output().slice(-3000)}`)).toBeNull();
  expect((await fetch(`${node.url}/healthz`)).status, why('healthz')).toBe(200);
  const errors = node.output().split('\n').filter((line) => /"level":(50|60)/.test(line));
  expect(errors, why('error-level log lines')).toEqual([]);

  const sent = outcomes.reduce((n, o) => n + o.sent, 0);
  const closes = new Map<string, number>();
  for (const o of outcomes) {
    const end = o.cut ? 'cut' : String(o.closeCode ?? 'open');
    closes.set(end, (closes.get(end) ?? 0) + 1);
  }
  console.log(`ws fuzz seed ${SEED}: ${sent} hostile frames on ${outcomes.length} connections; ends: ${JSON.stringify(Object.fromEntries(closes))}`);
  expect(sent, why('frames sent')).toBeGreaterThanOrEqual(HOSTILE_FRAMES);
  const badCloses = outcomes.filter((o) => o.closeCode !== null && !o.cut && !ALLOWED_CLOSE_CODES.has(o.closeCode));
  expect(badCloses.map((o) => o.closeCode), why('close codes other than 1007/1008/1009/1013')).toEqual([]);
  const unanswered = outcomes.filter((o) => o.closeCode === null && !o.cut && (o.answers < o.sent - o.quiet || o.answers > o.sent));
  expect(unanswered.map((o) => `${o.answers}/${o.sent}`), why('open connections with frames unanswered')).toEqual([]);

  const leaks = outcomes.flatMap((o) => o.leaks);
  expect(leaks, why(`frames of the closed tenant reached hostile clients: ${leaks.slice(0, 3).join(' ')}`)).toEqual([]);
  expect(run.failures, why('well-behaved client failures')).toEqual([]);
  expect(run.foreign, why('frames of other images reached the well-behaved client')).toEqual([]);
  expect(run.events.every((e) => e.broadcastId !== undefined && run.mine.has(e.broadcastId)), why('events not its own')).toBe(true);
  expect(run.events.map((e) => e.seq), why('its events, each once, in seq order')).toEqual(run.events.map((_, i) => i + 1));
  expect(run.events.length, why('its events')).toBe(run.mine.size);
  expect(run.pings.length, why('pings')).toBeGreaterThan(20);
  for (const [name, values] of [['ping→pong', run.pings], ['write→ack', run.acks]] as const) {
    const summary = `${name}: p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms over ${values.length}`;
    console.log(`ws fuzz seed ${SEED}: ${summary}`);
    // Generous for two cores shared with the hostile clients and another test file; a stalled node misses it.
    expect(percentile(values, 99), why(summary)).toBeLessThan(2000);
    expect(Math.max(...values), why(summary)).toBeLessThan(5000);
  }
}, 60_000);
