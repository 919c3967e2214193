#!/usr/bin/env node
/**
 * Store benchmark: ack and delivery latency of one image-chat node on its SQLite store on disk, comparing two
 * builds of the server, e.g. the store on the event loop (before) and in its worker thread (after). Each run is
 * the fan-out benchmark (bench/fanout/run.mjs) of that build, image-chat only: N subscribers of one image, one
 * writer at fixed rates, a fresh SQLite file under the temp folder; it records the writer's ack times and
 * every subscriber's write-to-delivery times. The builds take turns (before, after, after, before, …) so both
 * meet much the same background load on a shared machine; the load average is read before each run.
 *
 *   npm run bench:store -- --before=/tmp/sw-before                 # that tree must have its dist/ built
 *   node bench/store/run.mjs --before=/tmp/sw-before --rates=25,50,100 --subscribers=1000 --repeat=3 --json=out.json
 *
 * Options: --before (a checkout with dist/ built; required), --after (default: this checkout), --rates (writes/s),
 * --subscribers, --seconds (of writing per rate), --repeat (runs per build), --json (all runs and the summary).
 * Prints one markdown table: per rate and build, the median and [min–max] over the runs of ack p50, ack p99 and
 * delivery p99.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from '../lib/options.mjs';

const HERE = resolve(fileURLToPath(new URL('../..', import.meta.url)));

const options = parseOptions(process.argv.slice(2), {
  before: null, after: HERE, rates: [25, 50, 100], subscribers: 1000, seconds: 8, repeat: 3, json: null,
});
if (!options.before) throw new Error('--before=PATH is required: a checkout of the build to compare, with dist/ built');

const uptime = () => execFileSync('uptime').toString().trim().replace(/^.*load average: /, '');

/** One fan-out run of `tree`'s build, image-chat only; answers its phases. */
function runOnce(tree, jsonFile) {
  const args = [join(tree, 'bench/fanout/run.mjs'), '--only=image-chat', `--rates=${options.rates.join(',')}`, `--subscribers=${options.subscribers}`,
    `--seconds=${options.seconds}`, '--repeat=1', '--idle=0', `--json=${jsonFile}`];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => {
      if (code !== 0) return fail(new Error(`fan-out run in ${tree} exited with ${code}`));
      const run = JSON.parse(readFileSync(jsonFile, 'utf8'));
      done(run.results.find((r) => r.name === 'image-chat').phases);
    });
  });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const cell = (values) => `${median(values).toFixed(1)} [${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}]`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'image-chat-store-bench-'));
  const sides = { before: options.before, after: options.after };
  const runs = [];
  try {
    for (let repeat = 1; repeat <= options.repeat; repeat += 1) {
      // Turns alternate (before after, after before, …): neither build always runs first after a quiet spell.
      const order = repeat % 2 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) {
        const load = uptime();
        console.error(`run ${repeat} ${side} (${sides[side]}), load average ${load}`);
        const phases = await runOnce(sides[side], join(dir, `${side}-${repeat}.json`));
        runs.push({ side, repeat, load, phases });
        for (const p of phases) {
          console.error(`  ${side} @ ${p.rate}/s: ack p50 ${p.ackP50.toFixed(1)} ms, ack p99 ${p.ackP99.toFixed(1)} ms, delivery p99 ${p.p99.toFixed(1)} ms, ${p.deliveries}/${p.expected} delivered`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `${options.subscribers} subscribers, ${options.seconds} s per rate, ${options.repeat} runs per build; ms, median [min–max] over the runs.`, '',
    '| writes/s | build | ack p50 | ack p99 | delivery p99 | delivered |', '|---|---|---|---|---|---|',
  ];
  const summary = [];
  for (const rate of options.rates) {
    for (const side of ['before', 'after']) {
      const phases = runs.filter((r) => r.side === side).map((r) => r.phases.find((p) => p.rate === rate));
      const row = { rate, side, ackP50: phases.map((p) => p.ackP50), ackP99: phases.map((p) => p.ackP99), p99: phases.map((p) => p.p99) };
      summary.push(row);
      const delivered = phases.every((p) => p.deliveries === p.expected) ? 'all' : phases.map((p) => `${p.deliveries}/${p.expected}`).join(', ');
      lines.push(`| ${rate} | ${side} | ${cell(row.ackP50)} | ${cell(row.ackP99)} | ${cell(row.p99)} | ${delivered} |`);
    }
  }
  lines.push('', `Load average before each run: ${runs.map((r) => `${r.side} ${r.repeat}: ${r.load}`).join('; ')}.`);
  console.log(lines.join('\n'));
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, runs, summary }, null, 2));
}

main().then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
