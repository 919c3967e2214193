#!/usr/bin/env node
/**
 * Where an idle subscribed connection's heap goes: takes a heap snapshot of the built server before and after
 * `--count` idle subscribers connect (full GC first, over the inspector), and prints the objects that grew, by
 * constructor, per connection. The tool behind issue 14's memory work; run on demand:
 *
 *   npm run build && node bench/memory/heap-diff.mjs --count=2000 [--server=image-chat|raw] [--top=30]
 *     [--retainers=Object,Array]   (also: what holds the new objects of these constructors, by retainer and edge)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startImageChat, startRaw, rssKiB } from '../fanout/processes.mjs';
import { startSubscribers } from '../lib/processes.mjs';
import { parseOptions } from '../lib/options.mjs';

const options = parseOptions(process.argv.slice(2), { count: 2000, server: null, top: 30, retainers: null });
options.server ??= 'image-chat';

/** One inspector session for all snapshots: node ids stay comparable only within it. */
async function openHeapProfiler(url) {
  const socket = await new Promise((done, fail) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1 << 30 });
    ws.once('open', () => done(ws));
    ws.once('error', fail);
  });
  let chunks = [];
  let nextId = 0;
  const pending = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(message.params.chunk);
    else pending.get(message.id)?.(message);
  });
  const call = (method, params = {}) => new Promise((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    socket.send(JSON.stringify({ id, method, params }));
  });
  return {
    /** A full-GC heap snapshot, parsed. */
    async snapshot() {
      chunks = [];
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      return JSON.parse(chunks.join(''));
    },
    close: () => socket.close(),
  };
}

/** Self size and count per "type:name" of every node in a snapshot. */
function tally(snapshot) {
  const { node_fields: fields, node_types: [types] } = snapshot.snapshot.meta;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field));
  const totals = new Map();
  const { nodes, strings } = snapshot;
  for (let index = 0; index < nodes.length; index += width) {
    const type = types[nodes[index + typeAt]];
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(string)' : strings[nodes[index + nameAt]];
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = totals.get(key) ?? { count: 0, size: 0 };
    entry.count += 1;
    entry.size += nodes[index + sizeAt];
    totals.set(key, entry);
  }
  return totals;
}

/** Node ids of a snapshot (stable across snapshots of one process), to tell the objects that are new. */
function nodeIds(snapshot) {
  const fields = snapshot.snapshot.meta.node_fields;
  const ids = new Set();
  for (let index = fields.indexOf('id'); index < snapshot.nodes.length; index += fields.length) ids.add(snapshot.nodes[index]);
  return ids;
}

/** For new nodes named in `names`: counts per "retainer type:name --edge-->", over all their retaining edges. */
function retainersOf(snapshot, oldIds, names) {
  const { node_fields: fields, node_types: [types], edge_fields: edgeFields, edge_types: [edgeTypes] } = snapshot.snapshot.meta;
  const { nodes, edges, strings } = snapshot;
  const width = fields.length;
  const edgeWidth = edgeFields.length;
  const [typeAt, nameAt, idAt, edgeCountAt] = ['type', 'name', 'id', 'edge_count'].map((field) => fields.indexOf(field));
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((field) => edgeFields.indexOf(field));
  const label = (node) => `${types[nodes[node + typeAt]]}:${strings[nodes[node + nameAt]]?.slice(0, 40)}`;
  const wanted = new Set(names);
  const parentOf = new Map();
  { let e = 0; for (let n = 0; n < nodes.length; n += width) { const c = nodes[n + edgeCountAt]; for (let i = 0; i < c; i += 1, e += edgeWidth) { const t = edges[e + toAt]; const et = edgeTypes[edges[e + edgeTypeAt]]; if (et === 'weak') continue; const en = et === 'element' || et === 'hidden' ? `[${et}]` : strings[edges[e + edgeNameAt]]; if (!parentOf.has(t)) parentOf.set(t, `${en} of ${label(n)}`); } } }
  const found = new Map();
  let edge = 0;
  for (let node = 0; node < nodes.length; node += width) {
    const count = nodes[node + edgeCountAt];
    for (let i = 0; i < count; i += 1, edge += edgeWidth) {
      const to = edges[edge + toAt];
      if (oldIds.has(nodes[to + idAt])) continue;
      const name = types[nodes[to + typeAt]] === 'string' ? '(string)' : strings[nodes[to + nameAt]];
      if (!wanted.has(name)) continue;
      const edgeType = edgeTypes[edges[edge + edgeTypeAt]];
      const edgeName = edgeType === 'element' || edgeType === 'hidden' ? `[${edgeType}]` : strings[edges[edge + edgeNameAt]];
      if (edgeType === 'weak') continue;
      const size = nodes[to + fields.indexOf('self_size')];
      const key = `${name}(${size}) <-${edgeName}- ${label(node)} <<${parentOf.get(node) ?? '?'}`;
      found.set(key, (found.get(key) ?? 0) + 1);
    }
  }
  return [...found].sort((a, b) => b[1] - a[1]);
}

const dir = mkdtempSync(join(tmpdir(), 'heap-diff-'));
const server = options.server === 'raw' ? await startRaw() : await startImageChat(dir);
const subscribers = startSubscribers();
try {
  const profiler = await openHeapProfiler(server.inspector);
  const first = await profiler.snapshot();
  const before = tally(first);
  const oldIds = options.retainers ? nodeIds(first) : null;
  const rssBefore = rssKiB(server.child.pid);
  const mode = options.server === 'raw' ? 'raw' : 'image-chat';
  const answer = await subscribers.ask({ cmd: 'connect', group: 'idle', url: server.url, count: options.count, mode, tenantId: 'demo', urlId: 'heap-diff.png' });
  if (answer.open !== options.count) throw new Error(`only ${answer.open} of ${options.count} connected`);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const last = await profiler.snapshot();
  profiler.close();
  const after = tally(last);
  const rssAfter = rssKiB(server.child.pid);
  const rows = [];
  let total = 0;
  for (const [key, entry] of after) {
    const was = before.get(key) ?? { count: 0, size: 0 };
    const size = entry.size - was.size;
    total += size;
    rows.push({ key, count: (entry.count - was.count) / options.count, bytes: size / options.count });
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  console.log(`${options.server}: ${options.count} idle subscribed connections; heap +${(total / options.count).toFixed(0)} B each, RSS +${((rssAfter - rssBefore) / options.count).toFixed(2)} KiB each`);
  console.log('bytes/conn  objects/conn  type:constructor');
  for (const row of rows.slice(0, options.top)) console.log(`${row.bytes.toFixed(0).padStart(10)}  ${row.count.toFixed(2).padStart(12)}  ${row.key}`);
  if (options.retainers) {
    console.log('\nper connection  new object <-edge- retainer');
    for (const [key, count] of retainersOf(last, oldIds, options.retainers.split(',')).slice(0, 60)) {
      if (count / options.count >= 0.5) console.log(`${(count / options.count).toFixed(2).padStart(14)}  ${key}`);
    }
  }
} finally {
  subscribers.child.kill();
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
