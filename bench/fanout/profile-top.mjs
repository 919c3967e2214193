#!/usr/bin/env node
/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per file, optionally
 * only for samples inside given time windows (microseconds on the monotonic clock that V8 stamps samples
 * with, the same clock as `process.hrtime` on Linux).
 *
 *   node bench/fanout/profile-top.mjs PROFILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const shortUrl = (url) => {
  if (!url) return '(native)';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) return path.slice(modules + 1);
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
};

/**
 * Self time per function and per file, leaving `(idle)` out of the percentages.
 * @param {string} file path of the .cpuprofile
 * @param {{ windows?: [number, number][], top?: number }} options
 * @returns {{ totalMs: number, idleMs: number, filtered: boolean, functions: {name: string, ms: number, pct: number}[], files: {name: string, ms: number, pct: number}[] }}
 */
export function summarizeProfile(file, { windows, top = 20 } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map();
  const inWindow = (t) => !windows || windows.some(([from, to]) => t >= from && t <= to);
  let t = profile.startTime;
  let counted = 0;
  for (let i = 0; i < profile.samples.length; i += 1) {
    t += profile.timeDeltas[i] ?? 0;
    const delta = profile.timeDeltas[i + 1] ?? 0;
    if (!inWindow(t)) continue;
    counted += 1;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + delta);
  }
  if (windows && counted === 0) return summarizeProfile(file, { top });

  const byFunction = new Map();
  const byFile = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = nodes.get(id);
    if (!callFrame.url && callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const where = shortUrl(callFrame.url);
    const name = `${where}:${callFrame.functionName || '(anonymous)'}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const fileKey = callFrame.url ? where : `(${callFrame.functionName})`;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + us);
    total += us;
  }
  const rank = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  return { totalMs: total / 1000, idleMs: idle / 1000, filtered: Boolean(windows), functions: rank(byFunction), files: rank(byFile) };
}

/** Formats a summary as two small markdown tables. */
export function formatSummary(summary) {
  const rows = (list) => list.map((r) => `| ${r.pct.toFixed(1)}% | ${r.ms.toFixed(0)} | \`${r.name}\` |`).join('\n');
  return [
    `Main thread not idle: ${summary.totalMs.toFixed(0)} ms (idle ${summary.idleMs.toFixed(0)} ms)${summary.filtered ? ', measured phases only' : ''}; `
      + 'percentages are of the non-idle time. Native calls (a syscall, a SQLite step) count as self time of the JS function that made them, or as `(native)` for libuv.',
    '',
    '| self % | ms | function |', '|---:|---:|---|', rows(summary.functions),
    '',
    '| self % | ms | file |', '|---:|---:|---|', rows(summary.files),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/fanout/profile-top.mjs PROFILE.cpuprofile [TOP]');
    process.exit(2);
  }
  console.log(formatSummary(summarizeProfile(file, { top: Number(top) || 25 })));
}
