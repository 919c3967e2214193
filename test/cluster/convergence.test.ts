/**
 * The randomized convergence test over a fixed set of seeds (CI). More on demand:
 * `npm run test:convergence -- --seeds 200`, or one seed again: `npm run test:convergence -- --seed 17`.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { runConvergence } from './convergence.js';

const first = Number(process.env.CONVERGENCE_FIRST_SEED ?? 1);
const count = Number(process.env.CONVERGENCE_SEEDS ?? 20);
const seeds = Array.from({ length: count }, (_, i) => first + i);
const durationMs = Number(process.env.CONVERGENCE_DURATION_MS ?? 1500);
const clients = Number(process.env.CONVERGENCE_CLIENTS ?? 30);

let cluster: Cluster;
beforeAll(async () => { cluster = await startCluster(3); }, 120_000);
afterAll(async () => { await cluster?.stop(); });

test.each(seeds)(`seed %i: 3 nodes, ${clients} clients, a Redis blip and a node restart converge`, async (seed) => {
  const report = await runConvergence(cluster, seed, {
    clients,
    durationMs,
    breakBus: async () => {
      await cluster.redis.kill();
      return () => cluster.redis.restart();
    },
  });
  if (process.env.CONVERGENCE_VERBOSE) console.log(JSON.stringify(report));
  expect(report.acked).toBeGreaterThan(0);
}, 120_000);
