/**
 * The node's operational metrics for `/metrics`, in Prometheus' text format (prom-client), on a registry of
 * its own so several nodes in one process (tests) do not collide. It is a GatewayMeter (connections, events
 * and bytes out, errors, slow clients, write-to-ack latency) and times store and bus calls through
 * `instrumentStore` / `instrumentBus`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../../shared/index.js';
import type { AdmissionRefusal, BudgetName, GatewayMeter } from './meters.js';

/**
 * Why a TCP connection was closed at accept: `fd-limit`, the open-files limit less FD_RESERVE was reached;
 * `address-tcp`, its address already held MAX_TCP_CONNECTIONS_PER_IP.
 */
const CONNECTION_DROP_REASONS = ['fd-limit', 'address-tcp'] as const;
type ConnectionDropReason = (typeof CONNECTION_DROP_REASONS)[number];

/** Live numbers read at scrape time. */
interface MetricsSources {
  subscriptions(): number;
  adminSubscriptions(): number;
  topics(): number;
  /** Bus topics whose shard is unreachable (the sharded bus); 0 for other buses. */
  busLostTopics(): number;
}

/** Latency buckets in seconds: sub-millisecond in-process calls up to multi-second outages. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * @example
 * const metrics = new PrometheusMetrics({ subscriptions: () => 0, adminSubscriptions: () => 0, topics: () => 0, busLostTopics: () => 0 });
 * const store = instrumentStore(rawStore, metrics.storeLatency);
 * const { contentType, body } = await metrics.scrape();
 */
export class PrometheusMetrics implements GatewayMeter {
  readonly registry = new Registry();
  private readonly connections: Gauge;
  private readonly connectionsOpened: Counter;
  private readonly eventsIn: Counter;
  /**
   * Deliveries counted in plain numbers and handed to their counters when scraped: `delivered` runs for every
   * frame sent, and three prom-client `inc` calls per frame were a measurable share of a delivery's CPU.
   */
  private readonly unscraped = { events: 0, frames: 0, bytes: 0, presenceFrames: 0, presenceBytes: 0 };
  private readonly feedEventsOut: Counter;
  private readonly slowClients: Counter;
  private readonly errors: Counter<'code'>;
  private readonly writeAck: Histogram;
  readonly busPublish: Histogram;
  readonly storeLatency: Histogram<'operation'>;
  private readonly usageFlushes: Counter<'outcome'>;
  private readonly connectionsRefused: Counter<'reason'>;
  private readonly budgetRefusals: Counter<'budget'>;
  private readonly connectionsDropped: Counter<'reason'>;
  private readonly webhookAttempts: Counter<'outcome'>;
  /** Read at scrape time: prom-client's `set` allocates, and it changed twice per subscribe (issue 14). */
  private readsInFlight = 0;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'imagechat_' });
    this.connections = new Gauge({ name: 'imagechat_connections', help: 'Open WebSocket connections on this node.', registers });
    this.connectionsOpened = new Counter({ name: 'imagechat_connections_opened_total', help: 'WebSocket connections accepted.', registers });
    new Gauge({
      name: 'imagechat_subscriptions', help: 'Image subscriptions on this node, over all connections.', registers,
      collect() { this.set(sources.subscriptions()); },
    });
    new Gauge({
      name: 'imagechat_admin_subscriptions', help: 'Tenant admin (moderation feed) subscriptions on this node.', registers,
      collect() { this.set(sources.adminSubscriptions()); },
    });
    new Gauge({
      name: 'imagechat_topics', help: 'Images with at least one subscriber on this node (bus subscriptions).', registers,
      collect() { this.set(sources.topics()); },
    });
    new Gauge({
      name: 'imagechat_bus_lost_topics', registers,
      help: 'Images this node watches whose bus subscription is lost until their Redis Cluster shard answers again (sharded bus).',
      collect() { this.set(sources.busLostTopics()); },
    });
    const readsInFlight = (): number => this.readsInFlight;
    new Gauge({
      name: 'imagechat_reads_in_flight', registers,
      help: 'Subscribe reads (snapshots and replays) being read and sent; at most MAX_CONCURRENT_READS_PER_IP per address.',
      collect() { this.set(readsInFlight()); },
    });
    this.eventsIn = new Counter({ name: 'imagechat_events_in_total', help: 'Image events received from the bus for local subscribers.', registers });
    const unscraped = this.unscraped;
    /** A counter of deliveries that takes what `delivered` counted since the last scrape. */
    const deliveryCounter = (name: string, help: string, part: keyof typeof unscraped) => new Counter({
      name, help, registers,
      collect() {
        this.inc(unscraped[part]);
        unscraped[part] = 0;
      },
    });
    deliveryCounter('imagechat_events_out_total', 'Image events delivered to connections (a batch counts its events).', 'events');
    deliveryCounter('imagechat_event_frames_out_total', 'Frames of image events sent (single events and batches).', 'frames');
    deliveryCounter('imagechat_event_bytes_out_total', 'Bytes of image event frames sent.', 'bytes');
    deliveryCounter('imagechat_presence_frames_out_total', 'presence frames sent to image subscribers (snapshots and deltas).', 'presenceFrames');
    deliveryCounter('imagechat_presence_bytes_out_total', 'Bytes of presence frames sent.', 'presenceBytes');
    this.feedEventsOut = new Counter({ name: 'imagechat_feed_events_out_total', help: 'tenant-event frames sent to admin connections.', registers });
    this.slowClients = new Counter({ name: 'imagechat_slow_client_disconnects_total', help: 'Connections closed because their unsent buffer passed the cap.', registers });
    this.errors = new Counter({ name: 'imagechat_errors_total', help: 'Error frames sent, by code.', labelNames: ['code'], registers });
    this.writeAck = new Histogram({ name: 'imagechat_write_ack_seconds', help: 'From a write frame\'s arrival to its ack.', buckets: LATENCY_BUCKETS, registers });
    this.busPublish = new Histogram({ name: 'imagechat_bus_publish_seconds', help: 'Bus publish calls.', buckets: LATENCY_BUCKETS, registers });
    this.storeLatency = new Histogram({ name: 'imagechat_store_seconds', help: 'Store calls, by operation.', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers });
    this.usageFlushes = new Counter({ name: 'imagechat_usage_flushes_total', help: 'Usage flushes to the store, by outcome.', labelNames: ['outcome'], registers });
    this.connectionsRefused = new Counter({
      name: 'imagechat_connections_refused_total', labelNames: ['reason'], registers,
      help: 'WebSockets refused by admission and closed at once: address-connections, address-rate (1008), node-full (1013).',
    });
    // Every reason exported at 0 from the start, so an alert on its rate has a series before the first refusal.
    for (const reason of ['address-connections', 'address-rate', 'node-full'] as const) this.connectionsRefused.inc({ reason }, 0);
    this.budgetRefusals = new Counter({
      name: 'imagechat_budget_refusals_total', labelNames: ['budget'], registers,
      help: 'Writes and subscribes answered rate-limited by a budget held across connections, by budget.',
    });
    this.webhookAttempts = new Counter({
      name: 'imagechat_webhook_attempts_total', labelNames: ['outcome'], registers,
      help: 'Webhook delivery attempts by this node, by outcome: delivered, retry (to be tried again), failed (not retried, or retries used up).',
    });
    for (const outcome of ['delivered', 'retry', 'failed'] as const) this.webhookAttempts.inc({ outcome }, 0);
    this.connectionsDropped = new Counter({
      name: 'imagechat_connections_dropped_total',
      help: 'TCP connections closed at accept, by reason (fd-limit: the open-files limit less FD_RESERVE; address-tcp: MAX_TCP_CONNECTIONS_PER_IP).',
      labelNames: ['reason'], registers,
    });
    // Exported at 0 from the start, so an alert on its rate has a series before the first drop.
    for (const reason of CONNECTION_DROP_REASONS) this.connectionsDropped.inc({ reason }, 0);
  }

  connectionOpened(current: number): void {
    this.connections.set(current);
    this.connectionsOpened.inc();
  }

  connectionClosed(current: number): void {
    this.connections.set(current);
  }

  delivered(_tenantId: string, events: number, bytes: number, _images: unknown, frames = 1): void {
    const unscraped = this.unscraped;
    unscraped.events += events;
    unscraped.frames += frames;
    unscraped.bytes += bytes;
  }

  presenceDelivered(_tenantId: string, bytes: number): void {
    this.unscraped.presenceFrames += 1;
    this.unscraped.presenceBytes += bytes;
  }

  busReceived(): void {
    this.eventsIn.inc();
  }

  slowClientClosed(): void {
    this.slowClients.inc();
  }

  error(code: ErrorCode): void {
    this.errors.inc({ code });
  }

  writeAcked(seconds: number): void {
    this.writeAck.observe(seconds);
  }

  feedDelivered(): void {
    this.feedEventsOut.inc();
  }

  /** A webhook delivery attempt and what it came to. */
  webhookAttempted(outcome: 'delivered' | 'retry' | 'failed'): void {
    this.webhookAttempts.inc({ outcome });
  }

  usageFlushed(ok: boolean): void {
    this.usageFlushes.inc({ outcome: ok ? 'ok' : 'failed' });
  }

  /** A TCP connection the HTTP server closed at accept (the open-files cap, or its address's TCP cap). */
  connectionDropped(reason: ConnectionDropReason): void {
    this.connectionsDropped.inc({ reason });
  }

  connectionRefused(reason: AdmissionRefusal): void {
    this.connectionsRefused.inc({ reason });
  }

  budgetRefused(budget: BudgetName): void {
    this.budgetRefusals.inc({ budget });
  }

  readsInFlightChanged(current: number): void {
    this.readsInFlight = current;
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
