/** Opens the bus: Redis pub/sub when REDIS_URL is set, else the in-process bus. */
import type { Logger } from 'pino';
import type { Bus } from './types.js';
import { MemoryBus } from './memory.js';

export async function openBus(redisUrl: string | undefined, _prefix: string, _log: Logger): Promise<Bus> {
  if (!redisUrl) return new MemoryBus();
  throw new Error('Redis support is not in this build yet (REDIS_URL)');
}
