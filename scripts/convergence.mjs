#!/usr/bin/env node
/**
 * Runs the randomized convergence test (test/cluster/convergence.test.ts) over more seeds than CI does.
 *
 *   npm run test:convergence -- --seeds 200          seeds 1..200
 *   npm run test:convergence -- --seed 17            seed 17 alone (a failure prints its seed)
 *   npm run test:convergence -- --from 1000 --seeds 50 --clients 40 --duration 3000
 *
 * Needs redis-server and PostgreSQL 15's server binaries (see docs/operating.md).
 */
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const env = { ...process.env, CONVERGENCE_VERBOSE: '1' };
if (value('seed')) {
  env.CONVERGENCE_FIRST_SEED = value('seed');
  env.CONVERGENCE_SEEDS = '1';
} else {
  env.CONVERGENCE_FIRST_SEED = value('from') ?? '1';
  env.CONVERGENCE_SEEDS = value('seeds') ?? '20';
}
if (value('clients')) env.CONVERGENCE_CLIENTS = value('clients');
if (value('duration')) env.CONVERGENCE_DURATION_MS = value('duration');
for (const [name, raw] of Object.entries({ seed: value('seed'), seeds: value('seeds'), from: value('from'), clients: value('clients'), duration: value('duration') })) {
  if (raw !== undefined && !/^\d+$/.test(raw)) {
    console.error(`--${name} must be a whole number, got "${raw}"`);
    process.exit(2);
  }
}

const result = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/cluster/convergence.test.ts'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
