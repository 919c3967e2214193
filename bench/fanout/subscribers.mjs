#!/usr/bin/env node
/**
 * The subscriber side of the fan-out benchmark, in its own process so that receiving does not compete with
 * the writer's event loop. Driven by its parent over IPC (`child_process.fork`):
 *
 *   {cmd:'connect', group, url, count, mode, tenantId, urlId} → {type:'connected', open, failed, ms}
 *   {cmd:'start', group, first?, writes?} → {type:'started'}  (clears the counters: a measured phase of one group
 *                        begins; its writes are numbered first … first+writes-1)
 *   {cmd:'count'}      → {type:'count', deliveries}
 *   {cmd:'stop'}       → {type:'stats', …}         (latency percentiles and the delivery check of the phase)
 *   {cmd:'disconnect', group?} → {type:'disconnected'}   (one group's sockets, or all)
 *
 * Every benchmark write carries `bench <sendTimeMs> #<n>` in its text. The send time is
 * `performance.timeOrigin + performance.now()` in the writer; receive time here is the same expression
 * taken when `ws` emits the message (both are wall-clock based, sub-millisecond, one machine, one clock).
 * `mode` 'image-chat' subscribes each socket to the image first; 'socket.io' speaks Engine.IO/Socket.IO over the
 * same plain `ws` socket and joins the image's room (bench/lib/engine-io.mjs); 'raw' just connects.
 *
 * The delivery check: each subscriber must get writes first, first+1, … in that order, each once. A write
 * numbered below what the subscriber expects next is counted `outOfOrder` (a duplicate or a late one), above it
 * `skipped` (a gap); a subscriber that has not got all `writes` when the phase stops counts in `short`, and its
 * missing deliveries in `missing`. Writes from an earlier phase of the group (below `first`) are `stale`.
 */
import { WebSocket } from 'ws';
import { answerPing, socketIoHandshake } from '../lib/engine-io.mjs';

const now = () => performance.timeOrigin + performance.now();

/** Sockets by group name (one group per server under test); all stay open, one group is measured at a time. */
const groups = new Map();
let phase = newPhase(null, 0, 0, null);

function newPhase(group, count, first, writes) {
  return {
    group,
    active: false,
    latencies: new Float64Array(1 << 20),
    deliveries: 0,
    frames: 0,
    bytes: 0,
    outOfOrder: 0,
    skipped: 0,
    stale: 0,
    closedDuring: 0,
    first,
    writes,
    firstReceive: 0,
    lastReceive: 0,
    /** The `#n` each subscriber should get next, and how many it got: every event once, in order. */
    next: new Int32Array(count).fill(first),
    received: new Int32Array(count),
    sample: null,
  };
}

const MARK_BYTES = Buffer.from('bench ');
const TIME_LENGTH = 17; // `1795833169123.456`: 13-digit ms, a dot, 3 decimals (fixed width until the year 2286)

/** The first letter of `presence` in `{"type":"presence"`: no event type and no `batch` starts with it. */
const PRESENCE_TYPE_INITIAL = 0x70;

/**
 * Reads the marks of one frame (a single event or a batch) straight from the bytes: `Buffer.indexOf` and two
 * short slices per event, rather than decoding and parsing the whole frame, so that this process keeps up
 * with ~100k deliveries/s on one core and the measurement is of the server, not of the subscribers.
 */
function record(group, index, frame) {
  const received = now();
  const p = phase;
  if (!p.active || p.group !== group) return;
  // image-chat's presence frames (`{"type":"presence"`: a `p` right after `{"type":"`) are not deliveries of writes.
  if (frame[9] === PRESENCE_TYPE_INITIAL) return;
  p.frames += 1;
  p.bytes += frame.length;
  if (p.sample === null && !frame.toString('latin1', 0, 16).startsWith('{"type":"batch"')) p.sample = frame.toString();
  for (let at = frame.indexOf(MARK_BYTES); at !== -1; at = frame.indexOf(MARK_BYTES, at + 1)) {
    const timeStart = at + MARK_BYTES.length;
    const sentAt = Number(frame.toString('latin1', timeStart, timeStart + TIME_LENGTH));
    let n = 0;
    for (let i = timeStart + TIME_LENGTH + 2; frame[i] >= 0x30 && frame[i] <= 0x39; i += 1) n = n * 10 + frame[i] - 0x30;
    if (n < p.first) { p.stale += 1; continue; }
    if (n < p.next[index]) p.outOfOrder += 1;
    else {
      if (n > p.next[index]) p.skipped += 1;
      p.next[index] = n + 1;
    }
    p.received[index] += 1;
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
      if (mode === 'socket.io') {
        return socketIoHandshake(socket, key).then(() => {
          clearTimeout(timer);
          socket.on('message', (frame) => { if (!answerPing(socket, frame)) record(group, index, frame); });
          done(true);
        }, (error) => {
          process.stderr.write(`subscriber ${index}: ${error.message}\n`);
          socket.terminate();
          done(false);
        });
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
  let short = 0;
  let missing = 0;
  if (p.writes !== null) {
    for (const got of p.received) {
      if (got < p.writes) { short += 1; missing += p.writes - got; }
    }
  }
  const sorted = p.latencies.subarray(0, p.deliveries).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    type: 'stats',
    deliveries: p.deliveries,
    frames: p.frames,
    bytes: p.bytes,
    outOfOrder: p.outOfOrder,
    skipped: p.skipped,
    stale: p.stale,
    short,
    missing,
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

async function disconnect(group) {
  const names = group === undefined ? [...groups.keys()] : [group];
  const open = names.flatMap((name) => groups.get(name) ?? []).filter(Boolean);
  await Promise.all(open.map((socket) => new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', resolve);
    socket.terminate();
  })));
  for (const name of names) groups.delete(name);
  return { type: 'disconnected' };
}

process.on('message', async (message) => {
  let reply;
  switch (message.cmd) {
    case 'connect':
      reply = await connect(message);
      break;
    case 'start':
      phase = newPhase(message.group, groups.get(message.group)?.length ?? 0, message.first ?? 0, message.writes ?? null);
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
      reply = await disconnect(message.group);
      break;
    default:
      reply = { type: 'error', message: `unknown command ${message.cmd}` };
  }
  process.send(reply);
});

// The parent going away (crash, Ctrl-C) takes this process with it.
process.on('disconnect', () => process.exit(0));
