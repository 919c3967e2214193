#!/usr/bin/env node
/**
 * Many concurrent subscribed connections on one node (issue 14: 18,000), with the server's heartbeats running:
 * connect time, RSS and JS heap, CPU and event-loop delay while idle (over two ping rounds), and writes reaching
 * every one of them. This machine allows 20,000 open files per process, so the subscribers are split over
 * several processes.
 *
 *   npm run build && node bench/connections/run.mjs --connections=18000 --processes=3 --idleSeconds=65 --writes=5
 *
 * The server is the built dist/server/main.js as the fan-out benchmark runs it (bench/load-limits.mjs: every
 * subscriber comes from 127.0.0.1, so the per-address limits are raised), heartbeats at their shipped interval.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startImageChat, openInspector, memoryAfterGc, rssKiB, cpuMs } from '../fanout/processes.mjs';
import { startSubscribers } from '../lib/processes.mjs';
import { parseOptions } from '../lib/options.mjs';
import { openWriter, imageChatWriter, TENANT } from '../lib/writer.mjs';
import { describeMachine, describeCommit, loadAverage } from '../lib/machine.mjs';

const options = parseOptions(process.argv.slice(2), { connections: 18000, processes: 3, idleSeconds: 65, writes: 5, concurrency: 200 });
const URL_ID = 'connections-bench';

/** The server's Prometheus text, and one sample of it by name (and label text). */
async function scrape(httpBase) {
  const text = await (await fetch(`${httpBase}/metrics`)).text();
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
  };
  const sum = (prefix) => text.split('\n').filter((l) => l.startsWith(prefix)).reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  return { value, sum };
}

const dir = mkdtempSync(join(tmpdir(), 'connections-bench-'));
const ms = (n) => `${n.toFixed(n < 100 ? 1 : 0)} ms`;
console.error(`machine: ${describeMachine()}; commit ${describeCommit()}; load average ${loadAverage()}`);
const server = await startImageChat(dir, null);
const httpBase = server.url.replace('ws://', 'http://').replace(/\/ws$/, '');
const pid = server.child.pid;
const groups = Array.from({ length: options.processes }, () => startSubscribers());
try {
  const inspector = await openInspector(server.inspector);
  const before = await memoryAfterGc(inspector, pid);
  const each = Math.ceil(options.connections / options.processes);
  const started = performance.now();
  const answers = await Promise.all(groups.map((group, index) => group.ask({
    cmd: 'connect', group: 'many', url: server.url, count: Math.min(each, options.connections - index * each),
    mode: 'image-chat', tenantId: TENANT, urlId: URL_ID, concurrency: options.concurrency,
  })));
  const connectMs = performance.now() - started;
  const open = answers.reduce((n, a) => n + a.open, 0);
  const failed = answers.reduce((n, a) => n + a.failed, 0);
  console.error(`${open} subscribed (${failed} failed) in ${(connectMs / 1000).toFixed(1)} s`);
  await sleep(2000);
  const after = await memoryAfterGc(inspector, pid);
  await inspector.close();

  // Idle: heartbeats only. The first scrape resets the event-loop delay histogram.
  await scrape(httpBase);
  const gcBefore = (await scrape(httpBase)).sum('imagechat_nodejs_gc_duration_seconds_sum');
  const cpuStart = cpuMs(pid);
  await sleep(options.idleSeconds * 1000);
  const idleCpuPct = (100 * (cpuMs(pid) - cpuStart)) / (options.idleSeconds * 1000);
  const idle = await scrape(httpBase);
  const idleLagMax = idle.value('imagechat_nodejs_eventloop_lag_max_seconds') * 1000;
  const idleLagP99 = idle.value('imagechat_nodejs_eventloop_lag_p99_seconds') * 1000;
  const gcIdleMs = (idle.sum('imagechat_nodejs_gc_duration_seconds_sum') - gcBefore) * 1000;
  const stillOpen = idle.value('imagechat_connections');
  console.error(`idle ${options.idleSeconds} s: CPU ${idleCpuPct.toFixed(1)}%, event-loop delay p99 ${ms(idleLagP99)} max ${ms(idleLagMax)}, GC ${ms(gcIdleMs)}, ${stillOpen} connections`);

  // Writes, one a second, each reaching every subscriber.
  const writerSocket = await openWriter(server.url);
  const writer = imageChatWriter(writerSocket, 100, URL_ID);
  await Promise.all(groups.map((group) => group.ask({ cmd: 'start', group: 'many', first: 0, writes: options.writes })));
  for (let n = 0; n < options.writes; n += 1) {
    writer.send(n);
    await sleep(1000);
  }
  await sleep(3000);
  const stats = await Promise.all(groups.map((group) => group.ask({ cmd: 'stop' })));
  const writeLoad = await scrape(httpBase);
  const delivered = stats.reduce((n, s) => n + s.deliveries, 0);
  const broken = stats.reduce((n, s) => n + s.outOfOrder + s.skipped + s.short, 0);
  const p99s = stats.map((s) => s.p99);
  const { acks } = writer.takeAcks();
  console.error(`${options.writes} writes: ${delivered}/${options.writes * open} delivered (${broken ? `${broken} CHECK FAILURES` : 'each once, in order'}), p50 ${ms(Math.max(...stats.map((s) => s.p50)))}, p99 ${ms(Math.min(...p99s))}–${ms(Math.max(...p99s))} per subscriber process, max ${ms(Math.max(...stats.map((s) => s.max)))}; acks ${acks.length}`);
  writerSocket.close();

  const row = {
    connections: open, failed, connectS: connectMs / 1000,
    rssMiB: rssKiB(pid) / 1024, rssPerConnectionKiB: (after.rssKiB - before.rssKiB) / open,
    heapMiB: after.heapUsed / 2 ** 20, heapPerConnectionKiB: (after.heapUsed - before.heapUsed) / 1024 / open,
    idleCpuPct, idleLagP99, idleLagMax, gcIdleMs,
    delivered, expected: options.writes * open, broken,
    p50: Math.max(...stats.map((s) => s.p50)), p99Low: Math.min(...p99s), p99High: Math.max(...p99s), max: Math.max(...stats.map((s) => s.max)),
    writeLagMax: writeLoad.value('imagechat_nodejs_eventloop_lag_max_seconds') * 1000,
  };
  console.log(JSON.stringify(row));
  console.log(`| ${row.connections.toLocaleString('en')} | ${row.connectS.toFixed(1)} s | ${row.rssMiB.toFixed(0)} MiB (${row.rssPerConnectionKiB.toFixed(1)} KiB each) | ${row.heapPerConnectionKiB.toFixed(1)} KiB | ${row.idleCpuPct.toFixed(1)}% | ${ms(row.idleLagP99)} / ${ms(row.idleLagMax)} | ${ms(row.gcIdleMs)} | ${row.delivered.toLocaleString('en')} of ${row.expected.toLocaleString('en')} | ${ms(row.p50)} / ${ms(row.p99Low)}–${ms(row.p99High)} / ${ms(row.max)} |`);
} finally {
  // What the server logged at warn and above (LOAD_TEST_LIMITS run it at warn): refusals, errors.
  const log = readFileSync(join(dir, 'image-chat.log'), 'utf8').trim().split('\n').filter(Boolean);
  if (log.length) console.error(`server log (${log.length} lines), last ones:\n${log.slice(-8).join('\n')}`);
  for (const group of groups) group.child.kill();
  server.child.kill();
  rmSync(dir, { recursive: true, force: true });
}
