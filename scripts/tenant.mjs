#!/usr/bin/env node
/**
 * `npm run tenant -- …`: runs the tenant CLI (server/cli/tenant.ts) from dist/, compiling the server first
 * when dist/ is missing or older than the sources (a fresh clone after `npm install`). Compiler output goes
 * to stderr, so `--json` output on stdout stays exactly one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ENTRY = 'dist/server/cli/tenant.js';

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

// The Docker image carries only dist/ (no sources, no compiler): there the built CLI is run as it is.
const fromSources = existsSync('server') && existsSync('shared');
if (fromSources && (!existsSync(ENTRY) || Math.max(newest('server'), newest('shared')) > statSync(ENTRY).mtimeMs)) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: ['ignore', 2, 2] });
}
await import(new URL(`../${ENTRY}`, import.meta.url).href);
