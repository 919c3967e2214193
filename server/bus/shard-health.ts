/**
 * Which Redis Cluster masters the sharded bus found unreachable lately. A publish to a master found down less
 * than SHARD_RESUBSCRIBE_INTERVAL_MS ago fails at once instead of spending redirections and reconnects on it,
 * and a lost topic is subscribed again only once its master answers a probe.
 */
import { Redis } from 'ioredis';
import { COMMAND_TIMEOUT_MS, SHARD_RESUBSCRIBE_INTERVAL_MS } from './limits.js';

export class ShardHealth {
  /** master (`host:port`) → until when it counts as down */
  private readonly downUntil = new Map<string, number>();

  isDown(master: string): boolean {
    return (this.downUntil.get(master) ?? 0) > Date.now();
  }

  markDown(master: string): void {
    this.downUntil.set(master, Date.now() + SHARD_RESUBSCRIBE_INTERVAL_MS);
  }

  /**
   * Whether the master answers a PING, on a connection of its own that never retries; remembers the answer.
   * @example if (await shards.probe('10.0.0.1:7000')) await cluster.ssubscribe(channel);
   */
  async probe(master: string): Promise<boolean> {
    const cut = master.lastIndexOf(':');
    const probe = new Redis({
      host: master.slice(0, cut), port: Number(master.slice(cut + 1)), lazyConnect: true, retryStrategy: () => null,
      maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: COMMAND_TIMEOUT_MS, commandTimeout: COMMAND_TIMEOUT_MS,
    });
    probe.on('error', () => {});
    try {
      await probe.connect();
      const up = (await probe.ping()) === 'PONG';
      if (up) this.downUntil.delete(master);
      else this.markDown(master);
      return up;
    } catch {
      this.markDown(master);
      return false;
    } finally {
      probe.disconnect();
    }
  }
}
