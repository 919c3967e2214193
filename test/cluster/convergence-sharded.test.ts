/**
 * The randomized convergence test over the sharded bus: three nodes on a Redis Cluster of three masters with a
 * replica each, and mid-run the master that serves the image's channel is killed. Its replica takes over, the
 * nodes subscribe the image there again and its subscribers resync; the old master is then restarted (it
 * rejoins as a replica). Every client ends with the store's state, nothing applied twice or skipped.
 * More seeds: `CONVERGENCE_SEEDS=50 npx vitest run test/cluster/convergence-sharded.test.ts`.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { imageTopic } from '../../shared/index.js';
import { REDIS_PREFIX, startShardedCluster, type ShardedCluster } from '../helpers/cluster.js';
import { runConvergence } from './convergence.js';

const first = Number(process.env.CONVERGENCE_FIRST_SEED ?? 1);
const count = Number(process.env.CONVERGENCE_SEEDS ?? 3);
const seeds = Array.from({ length: count }, (_, i) => first + i);
const durationMs = Number(process.env.CONVERGENCE_DURATION_MS ?? 1500);
const clients = Number(process.env.CONVERGENCE_CLIENTS ?? 30);
/** A failover takes about two cluster-node-timeouts (1 s here); generous for a loaded machine. */
const FAILOVER_WAIT_MS = 20_000;

let cluster: ShardedCluster;
beforeAll(async () => { cluster = await startShardedCluster(3); }, 120_000);
afterAll(async () => { await cluster?.stop(); });

test.each(seeds)(`seed %i: 3 nodes on a Redis Cluster, ${clients} clients, the image's master killed and a node restart converge`, async (seed) => {
  const redis = cluster.redisCluster;
  let failedOver = false;
  const report = await runConvergence(cluster, seed, {
    clients,
    durationMs,
    breakBus: async (key) => {
      const channel = REDIS_PREFIX + imageTopic(key);
      const victim = await redis.masterOf(channel);
      await redis.kill(victim);
      return async () => {
        // Its replica takes over; then the old master comes back (as a replica) and the cluster is whole again.
        const deadline = Date.now() + FAILOVER_WAIT_MS;
        while (!failedOver && Date.now() < deadline) {
          failedOver = await redis.masterOf(channel).then((port) => port !== victim, () => false);
          if (!failedOver) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await redis.restart(victim);
        await redis.waitHealthy();
      };
    },
  });
  if (process.env.CONVERGENCE_VERBOSE) console.log(JSON.stringify(report));
  expect(failedOver).toBe(true);
  // The nodes noticed the lost shard and restored its subscriptions (logged by the sharded bus).
  expect(cluster.nodes.some((node) => node?.output().includes('shard subscriptions restored'))).toBe(true);
  expect(report.acked).toBeGreaterThan(0);
}, 120_000);
