#!/usr/bin/env node
/**
 * Median [min–max] over several runs of bench/cluster/run.mjs (each saved with --json=FILE), as a markdown
 * table: on a shared machine one run is noise, the median of three is a figure.
 *
 *   node bench/cluster/summarize.mjs run1.json run2.json run3.json
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: summarize.mjs RUN.json...');
  process.exit(2);
}
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};
const cell = (values, digits = 1) => {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '–';
  const format = (v) => (digits === 0 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits));
  return finite.length === 1 ? format(finite[0]) : `${format(median(finite))} [${format(Math.min(...finite))}–${format(Math.max(...finite))}]`;
};

const { options } = runs[0];
console.log(`${options.subscribers} subscribers of one image, one writer, ${options.seconds} s per rate; median [min–max] of ${runs.length} runs.\n`);
console.log('| setup | writes/s | deliveries/s | write→ack p50 / p99 (ms) | subscribers | write→event p50 (ms) | write→event p99 (ms) |');
console.log('|---|---|---|---|---|---|---|');
for (const [t, target] of runs[0].results.entries()) {
  for (const [p, phase] of target.phases.entries()) {
    const phases = runs.map((run) => run.results[t].phases[p]);
    phase.groups.forEach((group, g) => {
      const head = g === 0
        ? `| ${target.name} | ${phase.rate} | ${cell(phases.map((x) => x.deliveriesPerSecond), 0)} | ${cell(phases.map((x) => x.ackP50))} / ${cell(phases.map((x) => x.ackP99))} |`
        : '| | | | |';
      console.log(`${head} ${group.label} (${group.subscribers}) | ${cell(phases.map((x) => x.groups[g].p50))} | ${cell(phases.map((x) => x.groups[g].p99))} |`);
    });
  }
}
const lost = runs.flatMap((run) => run.results.flatMap((r) => r.phases)).reduce((sum, p) => sum + (p.expected - p.deliveries), 0);
const errors = runs.flatMap((run) => run.results.flatMap((r) => r.phases)).reduce((sum, p) => sum + p.errors, 0);
console.log(`\nDeliveries missing at the end of a phase: ${lost}; write errors: ${errors}.`);
