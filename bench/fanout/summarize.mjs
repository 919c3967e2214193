#!/usr/bin/env node
/**
 * Folds several runs of the fan-out benchmark (`run.mjs --json=FILE`) into the same tables run.mjs prints: the
 * median of each figure and, in brackets, its spread (min–max) over all runs and their repeats.
 *
 *   node bench/fanout/summarize.mjs run1.json run2.json run3.json
 *   node bench/fanout/summarize.mjs --svg=chart.svg run1.json run2.json   # also the chart
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderChart } from './chart.mjs';
import { report } from './report.mjs';

const args = process.argv.slice(2);
const svg = args.find((a) => a.startsWith('--svg='))?.slice('--svg='.length);
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: node bench/fanout/summarize.mjs [--svg=FILE] RUN.json [RUN.json …]');
  process.exit(2);
}
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
if (svg) writeFileSync(svg, renderChart(runs));
console.log(report(runs, { chart: svg ?? null }));
