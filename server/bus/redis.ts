/**
 * The Redis pub/sub bus, for many nodes. One channel per image (`prefix + imageTopic(key)`); a node is
 * subscribed to a channel only while it has a local subscriber of that image, so it receives only traffic
 * it needs.
 *
 * The publisher delivers to its own local subscribers at once, without waiting for Redis, and tags what it
 * sends to Redis with its node id so it ignores its own echo: local fan-out goes on while Redis is down.
 *
 * Redis failures never throw out of an event handler. Commands are not queued while disconnected
 * (`enableOfflineQueue: false`, `maxRetriesPerRequest: 0`): a publish during an outage fails at once, and
 * the event is recovered from the store instead. When both connections are back, every topic is subscribed
 * again and only then is the handler told `handleBusUp`, so the hub makes its subscribers resync. The newest
 * event per image that failed to publish is then published once more: if only this node lost Redis, the
 * other nodes learn from it that they missed events, and read them from the store.
 *
 * @example
 * const bus = new RedisBus({ url: 'redis://127.0.0.1:6379', prefix: 'image-chat:', log });
 * await bus.waitUntilHealthy(5000);
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { deliverSafely, inboundMessage } from './inbound.js';
import { IGNORING_BUS_HANDLER, type Bus, type BusHandler, type PublishOptions } from './types.js';
import { COMMAND_TIMEOUT_MS, MAX_RECONNECT_DELAY_MS } from './limits.js';
import { TAG_SEPARATOR, tagged } from './node-tag.js';
import { UnsentEvents } from './unsent-events.js';
import { HealthWaiters } from './health-waiters.js';

interface RedisBusOptions {
  url: string;
  /** Prefix of channel names, so several deployments can share one Redis. */
  prefix: string;
  log: Logger;
  /** Tags this node's messages; random by default. Must not contain `|`. */
  nodeId?: string;
}

const connectionOptions: RedisOptions = {
  // Fail fast instead of queueing while disconnected: the store is the source of truth, the bus only a hint.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  // Subscriptions are restored by this class, so that `handleBusUp` fires only once they are all active again.
  autoResubscribe: false,
  commandTimeout: COMMAND_TIMEOUT_MS,
  retryStrategy: (times: number) => Math.min(times * 100, MAX_RECONNECT_DELAY_MS),
  lazyConnect: true,
};

export class RedisBus implements Bus {
  readonly nodeId: string;
  /** Messages received from other nodes (own echoes excluded); for tests (the metric is counted by the bus handler). */
  received = 0;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly topics = new Set<string>();
  private handler: BusHandler = IGNORING_BUS_HANDLER;
  private pubReady = false;
  /** The subscriber connection is ready and every topic is subscribed on it. */
  private subReady = false;
  private isHealthy = false;
  private wasHealthy = false;
  private loggedOutage = false;
  private closed = false;
  private readonly healthWaiters = new HealthWaiters();
  private readonly unsent = new UnsentEvents();

  constructor(options: RedisBusOptions) {
    this.nodeId = options.nodeId ?? randomBytes(9).toString('base64url');
    if (this.nodeId.includes(TAG_SEPARATOR)) throw new Error(`RedisBus nodeId must not contain "${TAG_SEPARATOR}"`);
    this.prefix = options.prefix;
    this.log = options.log.child({ component: 'redis-bus' });
    this.pub = new Redis(options.url, { ...connectionOptions, connectionName: `image-chat-pub-${this.nodeId}` });
    this.sub = new Redis(options.url, { ...connectionOptions, connectionName: `image-chat-sub-${this.nodeId}` });

    for (const [name, connection] of [['pub', this.pub], ['sub', this.sub]] as const) {
      connection.on('error', (error: Error) => this.logError(name, error));
      connection.on('close', () => this.connectionLost(name));
    }
    this.pub.on('ready', () => {
      this.pubReady = true;
      this.updateHealth();
    });
    this.sub.on('ready', () => {
      this.restoreSubscriptions().catch((error: unknown) => this.log.warn({ err: error }, 'resubscribing failed; will retry on the next reconnect'));
    });
    this.sub.on('message', (channel: string, message: string) => this.receive(channel, message));
    // Connection failures surface as `error` events and reconnects; the first attempt's rejection is not news.
    this.pub.connect().catch(() => {});
    this.sub.connect().catch(() => {});
  }

  get healthy(): boolean {
    return this.isHealthy;
  }

  /** Resolves true once both connections are up and subscribed, or false after `timeoutMs`. */
  waitUntilHealthy(timeoutMs: number): Promise<boolean> {
    return this.isHealthy ? Promise.resolve(true) : this.healthWaiters.wait(timeoutMs);
  }


  async publish(topic: string, payload: string, options: PublishOptions = {}): Promise<void> {
    // Local subscribers first, and whatever Redis does: this node's own writes always reach its clients.
    if (this.topics.has(topic)) queueMicrotask(() => this.deliver(topic, payload));
    if (this.closed) return;
    try {
      if (this.pub.status !== 'ready') throw new Error('redis unavailable: event not published to other nodes');
      await this.pub.publish(this.prefix + topic, tagged(this.nodeId, payload));
    } catch (error) {
      if (!options.transient) this.unsent.remember(topic, payload);
      throw error;
    }
  }

  async subscribe(topic: string): Promise<void> {
    this.topics.add(topic);
    // While down the topic is only recorded: it is subscribed on reconnect, and then its subscribers resync.
    if (!this.subReady) return;
    await this.sub.subscribe(this.prefix + topic).catch((error: unknown) => {
      // A connection that fails one subscribe cannot be trusted with the others: start it over, which
      // subscribes every topic again and then has every subscriber resync.
      this.log.warn({ err: error, topic }, 'subscribe failed; reconnecting the subscriber connection');
      if (!this.closed) this.sub.disconnect(true);
    });
  }

  async unsubscribe(topic: string): Promise<void> {
    this.topics.delete(topic);
    if (!this.subReady) return;
    await this.sub.unsubscribe(this.prefix + topic).catch((error: unknown) => {
      // A lost connection drops every subscription anyway; only this topic's is not restored.
      this.log.debug({ err: error, topic }, 'unsubscribe failed');
    });
  }

  setHandler(handler: BusHandler): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.topics.clear();
    this.isHealthy = false;
    await Promise.all([this.pub, this.sub].map((connection) =>
      connection.status === 'ready' ? connection.quit().then(() => {}, () => connection.disconnect()) : connection.disconnect()));
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

  /** Republishes the newest event per topic that failed to publish while Redis was unreachable (see UnsentEvents). */
  private republishUnsent(): void {
    for (const [topic, payload] of this.unsent.takeAll()) {
      this.pub.publish(this.prefix + topic, tagged(this.nodeId, payload)).catch(() => this.unsent.remember(topic, payload));
    }
  }

  /**
   * Subscribes every topic again after a reconnect. Topics opened or closed while that is under way (while
   * `subReady` is still false they are only recorded) are caught up by looping until the Redis subscriptions
   * match `topics` with no await in between, so `subReady` turns true on an exact match.
   */
  private async restoreSubscriptions(): Promise<void> {
    const restored = new Set<string>();
    for (;;) {
      const missing = [...this.topics].filter((topic) => !restored.has(topic));
      const stale = [...restored].filter((topic) => !this.topics.has(topic));
      if (missing.length === 0 && stale.length === 0) break;
      if (missing.length > 0) {
        await this.sub.subscribe(...missing.map((topic) => this.prefix + topic));
        for (const topic of missing) restored.add(topic);
      }
      if (stale.length > 0) {
        await this.sub.unsubscribe(...stale.map((topic) => this.prefix + topic));
        for (const topic of stale) restored.delete(topic);
      }
    }
    if (this.sub.status !== 'ready' || this.closed) return;
    this.subReady = true;
    this.updateHealth();
  }

  private connectionLost(name: 'pub' | 'sub'): void {
    if (name === 'pub') this.pubReady = false;
    else this.subReady = false;
    this.updateHealth();
  }

  private updateHealth(): void {
    const healthy = !this.closed && this.pubReady && this.subReady;
    if (healthy === this.isHealthy) return;
    this.isHealthy = healthy;
    if (!healthy) {
      this.log.warn('redis connection lost: local fan-out continues, remote events resume on reconnect');
      this.handler.handleBusDown();
      return;
    }
    this.loggedOutage = false;
    this.healthWaiters.release();
    // Every connection after the first is a recovery, and so is a first one with subscribers already waiting:
    // they may have missed events published meanwhile.
    this.republishUnsent();
    if (this.wasHealthy || this.topics.size > 0) {
      this.log.info({ topics: this.topics.size }, 'redis back and resubscribed');
      this.handler.handleBusUp();
    }
    this.wasHealthy = true;
  }

  private logError(name: string, error: Error): void {
    if (this.closed) return;
    // Reconnect attempts fail every second during an outage: log the first, keep the rest at debug.
    if (this.loggedOutage) return this.log.debug({ err: error, connection: name }, 'redis error');
    this.loggedOutage = true;
    this.log.warn({ err: error, connection: name }, 'redis error');
  }
}
