#!/usr/bin/env node
/**
 * `npm test`: the whole suite, in order — type-check, build, vitest (unit, integration, contract, cluster),
 * browser tests (@web/test-runner in Chromium) and end-to-end tests (Playwright). Each step runs even if an
 * earlier one failed, so one run shows every failure; the last line is the plain total CI reads.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts ?? {};
mkdirSync('.tmp', { recursive: true });

/** Runs a command, echoing its output; resolves with its exit code and output. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', IMAGE_CHAT_SKIP_BUILD: '1' } });
    let output = '';
    const keep = (chunk) => { output += chunk.toString(); };
    child.stdout.on('data', (c) => { process.stdout.write(c); keep(c); });
    child.stderr.on('data', (c) => { process.stderr.write(c); keep(c); });
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Counts from a runner's own summary, e.g. vitest's "Tests  12 passed | 1 failed (13)". */
function counts(output, code) {
  const passed = [...output.matchAll(/(\d+) passed/g)].map((m) => Number(m[1]));
  const failed = [...output.matchAll(/(\d+) failed/g)].map((m) => Number(m[1]));
  const p = passed.length ? passed[passed.length - 1] : code === 0 ? 1 : 0;
  const f = failed.length ? failed[failed.length - 1] : code === 0 ? 0 : 1;
  return { passed: p, failed: code !== 0 && f === 0 ? 1 : f };
}

const npx = (bin, ...args) => [process.execPath, [`node_modules/.bin/${bin}`, ...args]];
const steps = [
  ['type-check', ...npx('tsc', '-p', 'tsconfig.json', '--noEmit')],
  ['build', process.execPath, ['scripts/build.mjs']],
  ['vitest (unit, integration, contract, cluster)', ...npx('vitest', 'run')],
];
for (const name of ['test:browser', 'test:e2e']) if (scripts[name]) steps.push([name, 'npm', ['run', '--silent', name]]);

const results = [];
for (const [name, command, args] of steps) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  const { code, output } = await run(command, args);
  const isTestRunner = !['type-check', 'build'].includes(name);
  const result = isTestRunner ? counts(output, code) : { passed: 0, failed: code === 0 ? 0 : 1 };
  results.push({ name, code, ...result, seconds: ((Date.now() - started) / 1000).toFixed(1) });
}

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name}: ${r.passed} passed, ${r.failed} failed (${r.seconds} s)`);
const passed = results.reduce((sum, r) => sum + r.passed, 0);
const failed = results.reduce((sum, r) => sum + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
