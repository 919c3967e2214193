#!/usr/bin/env node
/**
 * The subscriber side of the fan-out benchmark, in its own process so that receiving does not compete with
 * the writer's event loop. Driven by its parent over IPC (`child_process.fork`):
 *
 *   {cmd:'connect', group, url, count, mode, tenantId, urlId} → {type:'connected', open, failed, ms}
 *   {cmd:'start', group} → {type:'started'}        (clears the counters: a measured phase of one group begins)
 *   {cmd:'count'}      → {type:'count', deliveries}
 *   {cmd:'stop'}       → {type:'stats', …}         (latency percentiles of the phase)
 *   {cmd:'disconnect'} → {type:'disconnected'}
 *
 * Every benchmark write carries `bench <sendTimeMs> #<n>` in its text. The send time is
 * `performance.timeOrigin + performance.now()` in the writer; receive time here is the same expression
 * taken when `ws` emits the message (both are wall-clock based, sub-millisecond, one machine, one clock).
 * `mode` 'image-chat' subscribes each socket to the image first; 'raw' just connects.
 */
import { WebSocket } from 'ws';

const now = () => performance.timeOrigin + performance.now();

/** Sockets by group name (one group per server under test); all stay open, one group is measured at a time. */
const groups = new Map();
let phase = newPhase(null, 0);

function newPhase(group, count) {
  return {
    group,
    active: false,
    latencies: new Float64Array(1 << 20),
    deliveries: 0,
    frames: 0,
    bytes: 0,
    outOfOrder: 0,
    closedDuring: 0,
    firstReceive: 0,
    lastReceive: 0,
    /** Highest `#n` seen per subscriber, to check each gets every event once, in order. */
    lastIndex: new Int32Array(count).fill(-1),
    sample: null,
  };
}

const MARK_BYTES = Buffer.from('bench ');
const TIME_LENGTH = 17; // `1795833169123.456`: 13-digit ms, a dot, 3 decimals (fixed width until the year 2286)

/**
 * Reads the marks of one frame (a single event or a batch) straight from the bytes: `Buffer.indexOf` and two
 * short slices per event, rather than decoding and parsing the whole frame, so that this process keeps up
 * with ~100k deliveries/s on one core and the measurement is of the server, not of the subscribers.
 */
function record(group, index, frame) {
  const received = now();
  const p = phase;
  if (!p.active || p.group !== group) return;
  p.frames += 1;
  p.bytes += frame.length;
  if (p.sample === null && !frame.toString('latin1', 0, 16).startsWith('{"type":"batch"')) p.sample = frame.toString();
  for (let at = frame.indexOf(MARK_BYTES); at !== -1; at = frame.indexOf(MARK_BYTES, at + 1)) {
    const timeStart = at + MARK_BYTES.length;
    const sentAt = Number(frame.toString('latin1', timeStart, timeStart + TIME_LENGTH));
    let n = 0;
    for (let i = timeStart + TIME_LENGTH + 2; frame[i] >= 0x30 && frame[i] <= 0x39; i += 1) n = n * 10 + frame[i] - 0x30;
    if (n <= p.lastIndex[index]) p.outOfOrder += 1;
    p.lastIndex[index] = n;
    if (p.deliveries === p.latencies.length) {
      const grown = new Float64Array(p.latencies.length * 2);
      grown.set(p.latencies);
      p.latencies = grown;
    }
    p.latencies[p.deliveries++] = received - sentAt;
    if (p.firstReceive === 0) p.firstReceive = received;
    p.lastReceive = received;
  }
}

function openOne(url, group, index, mode, key) {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
    let settled = false;
    const done = (ok) => {
      if (settled) return;
      settled = true;
      resolve(ok ? socket : null);
    };
    const timer = setTimeout(() => { socket.terminate(); done(false); }, 15_000);
    socket.on('error', () => { clearTimeout(timer); done(false); });
    socket.on('close', () => { if (phase.active && phase.group === group) phase.closedDuring += 1; });
    socket.on('open', () => {
      if (mode === 'raw') {
        clearTimeout(timer);
        socket.on('message', (data) => record(group, index, data));
        return done(true);
      }
      socket.once('message', (data) => {
        clearTimeout(timer);
        const answer = JSON.parse(data.toString());
        if (answer.type !== 'subscribed') {
          process.stderr.write(`subscriber ${index}: expected subscribed, got ${data}\n`);
          socket.terminate();
          return done(false);
        }
        socket.on('message', (frame) => record(group, index, frame));
        done(true);
      });
      socket.send(JSON.stringify({ type: 'subscribe', tenantId: key.tenantId, urlId: key.urlId }));
    });
  });
}

async function connect({ group, url, count, mode, tenantId, urlId, concurrency = 100 }) {
  const started = now();
  const sockets = new Array(count).fill(null);
  groups.set(group, sockets);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      sockets[index] = await openOne(url, group, index, mode, { tenantId, urlId });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const open = sockets.filter(Boolean).length;
  return { type: 'connected', open, failed: count - open, ms: Math.round(now() - started) };
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function stats() {
  const p = phase;
  p.active = false;
  const sorted = p.latencies.subarray(0, p.deliveries).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    type: 'stats',
    deliveries: p.deliveries,
    frames: p.frames,
    bytes: p.bytes,
    outOfOrder: p.outOfOrder,
    closedDuring: p.closedDuring,
    firstReceive: p.firstReceive,
    lastReceive: p.lastReceive,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
    sample: p.sample,
  };
}

async function disconnect() {
  const open = [...groups.values()].flat().filter(Boolean);
  await Promise.all(open.map((socket) => new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', resolve);
    socket.terminate();
  })));
  groups.clear();
  return { type: 'disconnected' };
}

process.on('message', async (message) => {
  let reply;
  switch (message.cmd) {
    case 'connect':
      reply = await connect(message);
      break;
    case 'start':
      phase = newPhase(message.group, groups.get(message.group)?.length ?? 0);
      phase.active = true;
      reply = { type: 'started' };
      break;
    case 'count':
      reply = { type: 'count', deliveries: phase.deliveries };
      break;
    case 'stop':
      reply = stats();
      break;
    case 'disconnect':
      reply = await disconnect();
      break;
    default:
      reply = { type: 'error', message: `unknown command ${message.cmd}` };
  }
  process.send(reply);
});

// The parent going away (crash, Ctrl-C) takes this process with it.
process.on('disconnect', () => process.exit(0));
