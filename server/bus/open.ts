/** Opens the bus: Redis pub/sub when REDIS_URL is set, else the in-process bus. */
import type { Logger } from 'pino';
import type { Bus } from './types.js';
import { MemoryBus } from './memory.js';

/** How long start-up waits for Redis before going on unready (it keeps reconnecting in the background). */
const REDIS_STARTUP_WAIT_MS = 5000;

export async function openBus(redisUrl: string | undefined, prefix: string, log: Logger): Promise<Bus> {
  if (!redisUrl) return new MemoryBus();
  const { RedisBus } = await import('./redis.js');
  const bus = new RedisBus({ url: redisUrl, prefix, log });
  if (!(await bus.waitUntilHealthy(REDIS_STARTUP_WAIT_MS))) log.warn('redis not reachable yet: starting unready, retrying in the background');
  return bus;
}
