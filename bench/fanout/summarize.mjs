#!/usr/bin/env node
/**
 * Folds several runs of the fan-out benchmark (`run.mjs --json=FILE`) into one markdown table: the median of
 * each figure and, in brackets, its spread (min–max) over the runs. This is the table in docs/benchmarks.md.
 *
 *   node bench/fanout/summarize.mjs run1.json run2.json run3.json
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/fanout/summarize.mjs RUN.json [RUN.json …]');
  process.exit(2);
}
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const number = (value, digits) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** `median [min–max]`, or just the value for a single run. */
const spread = (values, digits = 1, unit = '') => {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '–';
  const text = `${number(median(finite), digits)}${unit}`;
  return finite.length === 1 ? text : `${text} [${number(Math.min(...finite), digits)}–${number(Math.max(...finite), digits)}]`;
};

const names = [...new Set(runs.flatMap((run) => run.results.map((target) => target.name)))];
const rates = [...new Set(runs.flatMap((run) => run.results.flatMap((target) => target.phases.map((phase) => phase.rate))))];
const phasesOf = (name, rate) => runs.flatMap((run) => run.results.filter((t) => t.name === name).flatMap((t) => t.phases.filter((p) => p.rate === rate)));

const lines = [
  '| server | writes/s | deliveries/s | p50 ms | p99 ms | server CPU µs/delivery | server CPU | subscriber process CPU | other load (cores) | ack p50 / p99 ms |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
];
for (const rate of rates) {
  for (const name of names) {
    const phases = phasesOf(name, rate);
    if (phases.length === 0) continue;
    const pick = (key) => phases.map((p) => p[key]);
    const ack = name === 'raw' ? '–' : `${spread(pick('ackP50'))} / ${spread(pick('ackP99'))}`;
    lines.push(`| ${name} | ${rate} | ${spread(pick('deliveriesPerSecond'), 0)} | ${spread(pick('p50'))} | ${spread(pick('p99'))} | ${spread(pick('serverCpuUsPerDelivery'))} | ${spread(pick('serverCpuPct'), 0, '%')} | ${spread(pick('subscriberCpuPct'), 0, '%')} | ${spread(pick('otherLoadCores'), 2)} | ${ack} |`);
  }
}
lines.push('', '| server | RSS before | RSS with subscribers | RSS per connection | JS heap per connection (after GC) |', '|---|---:|---:|---:|---:|');
for (const name of names) {
  const memory = runs.flatMap((run) => run.results.filter((t) => t.name === name).map((t) => t.memory));
  const pick = (read, unit) => spread(memory.map(read), 1, unit);
  lines.push(`| ${name} | ${pick((m) => m.rssBeforeKiB / 1024, ' MiB')} | ${pick((m) => m.rssAfterKiB / 1024, ' MiB')} | ${pick((m) => m.perConnectionKiB, ' KiB')} | ${pick((m) => m.heapPerConnectionKiB, ' KiB')} |`);
}
const incomplete = runs.flatMap((run) => run.results.flatMap((t) => t.phases.filter((p) => p.deliveries < p.expected).map((p) => `${t.name} @ ${p.rate}/s: ${p.deliveries}/${p.expected}`)));
lines.push('', `${runs.length} run(s): ${runs.map((run) => run.date).join(', ')}. Median [min–max].`);
if (incomplete.length) lines.push(`Incomplete deliveries: ${incomplete.join('; ')}.`);
console.log(lines.join('\n'));
