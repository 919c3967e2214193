/**
 * The bus on a Redis Cluster with sharded pub/sub (Redis 7: SSUBSCRIBE / SPUBLISH), for more traffic than one
 * Redis carries. Each topic is one shard channel (`prefix + topic`); the cluster hashes it to one of 16384
 * slots, so each image's events (and its presence, on the same topic) go through one master only, and the
 * masters share the images between them. Classic PUBLISH on a cluster would copy every message to every shard.
 *
 * Through ioredis' cluster client with `shardedSubscribers`: it keeps one subscriber connection per master and
 * routes each SSUBSCRIBE and SPUBLISH by slot. This class adds what the single-Redis bus guarantees:
 * - a node subscribes only to topics with local subscribers, and delivers its own publishes locally at once
 *   (its echo from Redis, tagged with its node id, is dropped);
 * - a publish fails fast when its shard is unreachable (no offline queue, few redirections), and the newest
 *   unsent event per topic is published again once the cluster recovers, so other nodes see the gap;
 * - when a shard's subscriber connection drops, the shard fails over, or a slot moves to another master, the
 *   topics it served are marked lost, subscribed again (awaited, on the slot's current master), and only then
 *   are their subscribers told to resync (`handleTopicsResubscribed`). A shard that stays down (no replica)
 *   is probed once a second and its topics subscribed when it answers (`ShardHealth`); meanwhile ioredis is
 *   made to forget them, or it would reconnect to the dead master in a tight loop;
 *   A lost cluster connection as a whole is `handleBusDown`, and its return `handleBusUp`, as with one Redis.
 *
 * @example
 * const bus = new ShardedRedisBus({ nodes: [{ host: '10.0.0.1', port: 7000 }], prefix: 'image-chat:', log });
 * await bus.waitUntilHealthy(5000);
 */
import { randomBytes } from 'node:crypto';
import { Cluster, type ClusterNode } from 'ioredis';
import type { Logger } from 'pino';
import { deliverSafely, inboundMessage } from './inbound.js';
import { IGNORING_BUS_HANDLER, type Bus, type BusHandler, type PublishOptions } from './types.js';
import {
  CLUSTER_RETRY_DELAY_MS, COMMAND_TIMEOUT_MS, MAX_CLUSTER_REDIRECTIONS, MAX_RECONNECT_DELAY_MS,
  SHARD_RESUBSCRIBE_INTERVAL_MS, SLOTS_REFRESH_INTERVAL_MS,
} from './limits.js';
import { keySlot } from './key-slot.js';
import { ShardHealth } from './shard-health.js';
import { TAG_SEPARATOR, tagged } from './node-tag.js';
import { UnsentEvents } from './unsent-events.js';
import { HealthWaiters } from './health-waiters.js';

/** A node of the cluster to learn its layout from; any one reachable master or replica is enough. */
export interface RedisClusterNode {
  host: string;
  port: number;
}

interface ShardedRedisBusOptions {
  nodes: RedisClusterNode[];
  /** Prefix of channel names, so several deployments can share one cluster. Must not hold a `{hash tag}`. */
  prefix: string;
  log: Logger;
  /** Tags this node's messages; random by default. Must not contain `|`. */
  nodeId?: string;
}

export class ShardedRedisBus implements Bus {
  readonly nodeId: string;
  /** Messages received from other nodes (own echoes excluded); for tests. */
  received = 0;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly cluster: Cluster;
  /** Topics with local subscribers, with the slot of each one's channel (computed once). */
  private readonly topics = new Map<string, number>();
  /** Topics whose subscription is active, with the master that served it when it was made. */
  private readonly active = new Map<string, string>();
  /** Topics wanted but not (known to be) subscribed: their shard was lost, or a subscribe failed. */
  private readonly lost = new Set<string>();
  /**
   * Unsubscribes not settled yet, per topic. ioredis retries an SSUNSUBSCRIBE through reconnects and redirections
   * for a while, so one sent while a shard was down can reach it after a later SSUBSCRIBE of the same topic and
   * silently undo it: every subscribe first waits for the topic's unsubscribes to settle.
   */
  private readonly leaving = new Map<string, Promise<void>>();
  private readonly unsent = new UnsentEvents();
  /** Set while a republish of unsent events has failed again, so the retry timer keeps running. */
  private unsentPending = false;
  private readonly shards = new ShardHealth();
  private handler: BusHandler = IGNORING_BUS_HANDLER;
  private isHealthy = false;
  private wasHealthy = false;
  /** The whole cluster connection came back: the next completed restore tells every subscriber to resync. */
  private recovering = false;
  private closed = false;
  private loggedOutage = false;
  private restoring: Promise<void> | null = null;
  private restoreAgain = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly healthWaiters = new HealthWaiters();

  constructor(options: ShardedRedisBusOptions) {
    this.nodeId = options.nodeId ?? randomBytes(9).toString('base64url');
    if (this.nodeId.includes(TAG_SEPARATOR)) throw new Error(`ShardedRedisBus nodeId must not contain "${TAG_SEPARATOR}"`);
    this.prefix = options.prefix;
    this.log = options.log.child({ component: 'redis-cluster-bus' });
    this.cluster = new Cluster(options.nodes as ClusterNode[], {
      shardedSubscribers: true,
      lazyConnect: true,
      // Fail fast instead of queueing while the cluster is unreachable: the store is the truth, the bus a hint.
      enableOfflineQueue: false,
      maxRedirections: MAX_CLUSTER_REDIRECTIONS,
      retryDelayOnFailover: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnClusterDown: CLUSTER_RETRY_DELAY_MS,
      retryDelayOnTryAgain: CLUSTER_RETRY_DELAY_MS,
      slotsRefreshInterval: SLOTS_REFRESH_INTERVAL_MS,
      clusterRetryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
      redisOptions: {
        maxRetriesPerRequest: 0,
        commandTimeout: COMMAND_TIMEOUT_MS,
        connectionName: `image-chat-${this.nodeId}`,
      },
    });
    this.cluster.on('ready', () => this.updateHealth());
    for (const event of ['close', 'reconnecting', 'end']) this.cluster.on(event, () => this.clusterLost());
    this.cluster.on('smessage', (channel: string, message: string) => this.receive(channel, message));
    // A sharded subscriber connection ended (its master died or was replaced): its topics are lost.
    this.cluster.on('-node', (_redis: unknown, nodeKey?: string) => { if (nodeKey) this.shardLost(nodeKey); });
    // The slot map was read again: topics whose slot has another master now (failover, migration) are lost.
    this.cluster.on('refresh', () => this.checkOwners());
    // ioredis rebuilt its subscribers after a topology change: restore what was lost on them.
    this.cluster.on('subscribersReady', () => this.restoreLost());
    this.cluster.on('error', (error: Error) => this.logError(error));
    this.cluster.on('node error', (error: Error) => this.logError(error));
    // Connection failures surface as `error` events and reconnects; the first attempt's rejection is not news.
    this.cluster.connect().catch(() => {});
  }

  get healthy(): boolean {
    return this.isHealthy;
  }

  /** Topics whose subscription is lost and not restored yet (their shard is unreachable); for tests and logs. */
  get lostTopicCount(): number {
    return this.lost.size;
  }

  /** Resolves true once the cluster is connected, or false after `timeoutMs`. */
  waitUntilHealthy(timeoutMs: number): Promise<boolean> {
    return this.isHealthy ? Promise.resolve(true) : this.healthWaiters.wait(timeoutMs);
  }


  async publish(topic: string, payload: string, options: PublishOptions = {}): Promise<void> {
    // Local subscribers first, and whatever Redis does: this node's own writes always reach its clients.
    if (this.topics.has(topic)) queueMicrotask(() => this.deliver(topic, payload));
    if (this.closed) return;
    const master = this.masterOf(topic);
    try {
      if (this.cluster.status !== 'ready') throw new Error('redis cluster unavailable: event not published to other nodes');
      // A shard found down a moment ago fails at once: each try at a dead master costs redirections and reconnects.
      if (this.shards.isDown(master)) throw new Error(`redis shard ${master} unavailable: event not published to other nodes`);
      await this.cluster.spublish(this.prefix + topic, tagged(this.nodeId, payload));
    } catch (error) {
      if (!this.shards.isDown(master)) this.shards.markDown(master);
      if (!options.transient) this.unsent.remember(topic, payload);
      this.scheduleRetry();
      throw error;
    }
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.set(topic, keySlot(this.prefix + topic));
    // While the cluster (or the topic's shard) is down the topic is only recorded: it is subscribed on
    // recovery, and then its subscribers resync.
    if (!this.isHealthy || this.shards.isDown(this.masterOf(topic))) {
      this.lost.add(topic);
      this.scheduleRetry();
      return;
    }
    try {
      await this.shardSubscribe(topic);
      if (this.topics.has(topic) && !this.lost.has(topic)) this.active.set(topic, this.masterOf(topic));
    } catch (error) {
      // Its shard is unreachable: retried until it is back, and then its subscribers resync.
      this.log.warn({ err: error, topic }, 'shard subscribe failed; retrying');
      this.lost.add(topic);
      this.forget(topic);
      this.scheduleRetry();
    }
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    this.lost.delete(topic);
    this.active.delete(topic);
    if (!this.isHealthy) return;
    await this.shardUnsubscribe(topic);
  }

  setHandler(handler: BusHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.isHealthy = false;
    this.topics.clear();
    this.lost.clear();
    this.active.clear();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.cluster.quit().then(() => {}, () => this.cluster.disconnect());
  }

  private receive(channel: string, message: string): void {
    const inbound = inboundMessage(this.prefix, this.nodeId, this.topics, channel, message);
    if (!inbound) return;
    this.received += 1;
    this.deliver(inbound.topic, inbound.payload);
  }

  private deliver(topic: string, payload: string): void {
    deliverSafely(this.handler, this.log, topic, payload);
  }

  /** The master (`host:port`) that serves the topic's slot in ioredis' current slot map. */
  private masterOf(topic: string): string {
    return this.cluster.slots[this.topics.get(topic) ?? keySlot(this.prefix + topic)]?.[0] ?? '';
  }

  private markLost(topics: string[], why: string): void {
    if (topics.length === 0) return;
    for (const topic of topics) {
      this.active.delete(topic);
      this.lost.add(topic);
      this.forget(topic);
    }
    this.log.warn({ topics: topics.length, why }, 'shard subscriptions lost: restoring them, then their subscribers resync');
    this.scheduleRetry();
  }

  /**
   * Makes ioredis forget a lost topic's channel, so that this class alone subscribes it again (once a second).
   * ioredis would otherwise keep reconnecting a dead master's subscriber in a tight loop for it: a refused
   * connection ends the subscriber, which refreshes the slot map at once, which starts a new one (measured: a
   * core's worth of CPU per node while a master without a replica is down).
   */
  private forget(topic: string): void {
    void this.shardUnsubscribe(topic);
  }

  /** SSUBSCRIBE, once the topic's earlier unsubscribes have settled (see `leaving`), if it is still wanted then. */
  private async shardSubscribe(topic: string): Promise<void> {
    const leaving = this.leaving.get(topic);
    if (leaving) {
      await leaving;
      if (!this.topics.has(topic)) return;
    }
    await this.cluster.ssubscribe(this.prefix + topic);
  }

  /** SSUNSUBSCRIBE, remembered in `leaving` until it settles; never rejects (a lost shard drops its subscriptions anyway). */
  private shardUnsubscribe(topic: string): Promise<void> {
    const sent = this.cluster.sunsubscribe(this.prefix + topic).then(() => {}, (error: unknown) => {
      this.log.debug({ err: error, topic }, 'shard unsubscribe failed');
    });
    const earlier = this.leaving.get(topic);
    const settled = earlier ? Promise.all([earlier, sent]).then(() => {}) : sent;
    this.leaving.set(topic, settled);
    void settled.then(() => { if (this.leaving.get(topic) === settled) this.leaving.delete(topic); });
    return settled;
  }

  private shardLost(nodeKey: string): void {
    this.markLost([...this.active].filter(([, master]) => master === nodeKey).map(([topic]) => topic), `shard ${nodeKey} disconnected`);
  }

  private checkOwners(): void {
    const moved = [...this.active].filter(([topic, master]) => this.masterOf(topic) !== master).map(([topic]) => topic);
    this.markLost(moved, 'slots moved to another master');
    if (moved.length > 0) this.restoreLost();
  }

  /**
   * Subscribes every lost topic again, each on its slot's current master, and tells its subscribers to resync
   * once that subscription is active. Runs one at a time; a call while one runs makes it run once more.
   */
  private restoreLost(): void {
    if (this.restoring) {
      this.restoreAgain = true;
      return;
    }
    this.restoring = this.restoreRound().catch((error: unknown) => this.log.warn({ err: error }, 'restoring shard subscriptions failed; will retry'))
      .finally(() => {
        this.restoring = null;
        if (this.restoreAgain) {
          this.restoreAgain = false;
          this.restoreLost();
        }
      });
  }

  private async restoreRound(): Promise<void> {
    if (!this.isHealthy || this.closed) return;
    const wholeCluster = this.recovering;
    const masters = new Map<string, Promise<boolean>>();
    /** Whether the master answers, asked once per round. */
    const reachable = (master: string): Promise<boolean> => {
      if (!masters.has(master)) masters.set(master, this.shards.probe(master));
      return masters.get(master)!;
    };
    const attempts = [...this.lost].map(async (topic) => {
      const master = this.masterOf(topic);
      // A subscribe to a dead master would set ioredis' own reconnect loop going again (see `forget`): ask first.
      if (!(await reachable(master))) throw new Error(`shard ${master} unreachable`);
      await this.shardSubscribe(topic).catch((error: unknown) => {
        this.forget(topic);
        throw error;
      });
      return topic;
    });
    const restored: string[] = [];
    for (const outcome of await Promise.allSettled(attempts)) {
      if (outcome.status !== 'fulfilled') continue;
      const topic = outcome.value;
      if (!this.topics.has(topic) || !this.lost.delete(topic)) continue;
      this.active.set(topic, this.masterOf(topic));
      restored.push(topic);
    }
    await this.republishUnsent(reachable);
    if (this.lost.size > 0 || this.unsentPending) this.scheduleRetry();
    if (wholeCluster) {
      // Topics still lost (a shard still down) resync again once their own subscription is back.
      this.recovering = false;
      this.log.info({ topics: this.topics.size, stillLost: this.lost.size }, 'redis cluster back and resubscribed');
      this.handler.handleBusUp();
      return;
    }
    if (restored.length === 0) return;
    this.loggedOutage = false;
    this.log.info({ topics: restored.length }, 'shard subscriptions restored');
    this.handler.handleTopicsResubscribed?.(restored);
  }

  /**
   * Publishes again the newest event per topic that could not be published (see UnsentEvents), on masters that
   * answer; the others' are kept for the next round, so a dead master costs one probe a round, not a publish per topic.
   */
  private async republishUnsent(reachable: (master: string) => Promise<boolean>): Promise<void> {
    const unsent = this.unsent.takeAll();
    this.unsentPending = false;
    const keep = (topic: string, payload: string) => {
      this.unsent.remember(topic, payload);
      this.unsentPending = true;
    };
    await Promise.all(unsent.map(async ([topic, payload]) => {
      if (!(await reachable(this.masterOf(topic)))) return keep(topic, payload);
      await this.cluster.spublish(this.prefix + topic, tagged(this.nodeId, payload)).catch(() => keep(topic, payload));
    }));
  }

  /** Tries the restore again later: a shard may stay down (no replica) with no topology change to announce it back. */
  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.restoreLost();
    }, SHARD_RESUBSCRIBE_INTERVAL_MS);
    this.retryTimer.unref();
  }

  private clusterLost(): void {
    this.markLost([...this.active.keys()], 'cluster connection lost');
    this.updateHealth();
  }

  private updateHealth(): void {
    const healthy = !this.closed && this.cluster.status === 'ready';
    if (healthy === this.isHealthy) return;
    this.isHealthy = healthy;
    if (!healthy) {
      this.log.warn('redis cluster connection lost: local fan-out continues, remote events resume on reconnect');
      this.handler.handleBusDown();
      return;
    }
    this.loggedOutage = false;
    this.healthWaiters.release();
    // Every connection after the first is a recovery, and so is a first one with subscribers already waiting.
    if (this.wasHealthy || this.topics.size > 0) this.recovering = true;
    this.wasHealthy = true;
    this.restoreLost();
  }

  private logError(error: Error): void {
    if (this.closed) return;
    // Reconnect attempts to a dead shard fail many times a second: log the first, keep the rest at debug.
    if (this.loggedOutage) return this.log.debug({ err: error }, 'redis cluster error');
    this.loggedOutage = true;
    this.log.warn({ err: error }, 'redis cluster error');
  }
}
