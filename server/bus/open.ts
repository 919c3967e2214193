/**
 * Opens the bus the configuration names: Redis Cluster with sharded pub/sub (REDIS_CLUSTER, or a
 * `redis+cluster://` REDIS_URL), one Redis (REDIS_URL), or else the in-process bus.
 */
import type { Logger } from 'pino';
import type { Bus } from './types.js';
import { MemoryBus } from './memory.js';
import type { RedisClusterNode } from './redis-cluster.js';

/** How long start-up waits for Redis before going on unready (it keeps reconnecting in the background). */
const REDIS_STARTUP_WAIT_MS = 5000;

export interface BusSettings {
  /** One Redis. */
  redisUrl: string | undefined;
  /** The seed nodes of a Redis Cluster (sharded pub/sub); never set together with `redisUrl`. */
  redisCluster: RedisClusterNode[] | undefined;
  prefix: string;
}

export async function openBus(settings: BusSettings, log: Logger): Promise<Bus> {
  const { redisUrl, redisCluster, prefix } = settings;
  if (redisCluster) {
    const { ShardedRedisBus } = await import('./redis-cluster.js');
    const bus = new ShardedRedisBus({ nodes: redisCluster, prefix, log });
    if (!(await bus.waitUntilHealthy(REDIS_STARTUP_WAIT_MS))) log.warn('redis cluster not reachable yet: starting unready, retrying in the background');
    return bus;
  }
  if (!redisUrl) return new MemoryBus();
  const { RedisBus } = await import('./redis.js');
  const bus = new RedisBus({ url: redisUrl, prefix, log });
  if (!(await bus.waitUntilHealthy(REDIS_STARTUP_WAIT_MS))) log.warn('redis not reachable yet: starting unready, retrying in the background');
  return bus;
}
