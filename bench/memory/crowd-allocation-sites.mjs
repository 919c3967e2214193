/**
 * What the memory tools share: a crowd of subscribers connecting to a fresh server under V8's sampling heap
 * profiler, and the profile summed per allocation site (bytes, over all the stacks that allocated there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInspector, startImageChat, startRaw } from '../fanout/processes.mjs';
import { startSubscribers } from '../lib/processes.mjs';

/** A function's name and place, or, for a native one (no script), the JS function that called it. */
function siteOf(node, caller) {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url && caller) return `${functionName || '(native)'} < ${caller}`;
  return `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
}

/** Bytes sampled per allocation site. */
function bytesBySite(profile) {
  const bySite = new Map();
  const walk = (node, caller) => {
    const site = siteOf(node, caller);
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    const next = node.callFrame.url ? `${node.callFrame.functionName || '(anonymous)'} ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber + 1}` : caller;
    for (const child of node.children) walk(child, next);
  };
  walk(profile.head, null);
  return bySite;
}

/**
 * Bytes per allocation site while `count` subscribers of one image connect to a fresh `server` ('image-chat' or
 * 'raw'), and for 1 s after. `sampling` is HeapProfiler.startSampling's options; `beforeStop(inspector)` runs just
 * before the profile is taken.
 */
export async function sampleCrowdArrival({ server: name, count, urlId, sampling, beforeStop = async () => {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'crowd-allocations-'));
  const server = name === 'raw' ? await startRaw() : await startImageChat(dir);
  const subscribers = startSubscribers();
  try {
    const inspector = await openInspector(server.inspector);
    await inspector.call('HeapProfiler.enable');
    await inspector.call('HeapProfiler.collectGarbage');
    await inspector.call('HeapProfiler.startSampling', sampling);
    const mode = name === 'raw' ? 'raw' : 'image-chat';
    const answer = await subscribers.ask({ cmd: 'connect', group: 'crowd', url: server.url, count, mode, tenantId: 'demo', urlId });
    if (answer.open !== count) throw new Error(`only ${answer.open} of ${count} connected`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await beforeStop(inspector);
    const { profile } = await inspector.call('HeapProfiler.stopSampling');
    await inspector.close();
    return bytesBySite(profile);
  } finally {
    subscribers.child.kill();
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
