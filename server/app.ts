/**
 * Wires one image-chat node: store, bus, core, WebSocket gateway and HTTP routes on one port.
 * `startServer` is what `main.ts` runs and what the tests start on port 0.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openStore, type OpenStoreOptions } from './store/open.js';
import { openBus } from './bus/open.js';
import type { Store } from './store/types.js';
import type { Bus } from './bus/types.js';
import { ChatService } from './core/service.js';
import { SessionSigner } from './auth/session.js';
import { Gateway } from './gateway/gateway.js';
import { createRequestHandler, type Route } from './http/router.js';
import { healthRoutes } from './http/health.js';
import { staticRoutes } from './http/static-routes.js';
import { ensureDemoTenant } from './tenants/demo.js';
import { TenantFeed } from './fanout/tenant-feed.js';
import { TopicHub } from './fanout/topic-hub.js';
import { FanoutBusHandler } from './fanout/bus-handler.js';
import { TenantChanges } from './fanout/tenant-changes.js';
import { openSecretBox } from './auth/tenant-secrets.js';
import type { SecretBox } from './auth/secret-box.js';
import { tenantRulesEndpoints } from './http/tenant-rules-api.js';
import { demoSsoRoutes } from './http/demo-sso.js';
import { TenantPresence } from './metering/tenant-presence.js';
import { PresenceHub } from './presence/presence-hub.js';
import { UsageMeter } from './metering/usage-meter.js';
import { PrometheusMetrics } from './metering/prometheus.js';
import { instrumentBus, instrumentStore } from './metering/instrument.js';
import { MeterSet } from './metering/meter-set.js';
import { metricsRoutes } from './http/metrics.js';
import { tenantApiEndpoints } from './http/tenant-api.js';
import { apiRoutes, type ApiEndpoint } from './http/api-endpoints.js';
import { apiCorsRoutes } from './http/api-cors.js';
import { restExportEndpoints } from './http/rest-export.js';
import { restImageEndpoints } from './http/rest-images.js';
import { restCommentEndpoints } from './http/rest-comments.js';
import { restWriteEndpoints } from './http/rest-writes.js';
import { openApiEndpoints } from './http/openapi.js';
import { restWebhookEndpoints } from './http/rest-webhooks.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookEndpoints } from './webhooks/endpoints.js';
import { guardServer, serverTimeouts } from './http/server-guards.js';
import { capConnectionsPerAddress } from './http/address-connections.js';
import { connectionCap, readOpenFilesLimit, webSocketCap } from './http/fd-limit.js';

export interface RunningServer {
  url: string;
  port: number;
  http: Server;
  store: Store;
  bus: Bus;
  service: ChatService;
  gateway: Gateway;
  /** This node's image subscriptions and the ordering of what it fans out. */
  hub: TopicHub;
  /** Usage metering (per tenant per UTC day); `usage.flush()` stores what is counted so far. */
  usage: UsageMeter;
  metrics: PrometheusMetrics;
  /** Who is viewing each image and who is typing, on this node and as merged from the others. */
  viewers: PresenceHub;
  /** The tenant admin subscriptions (dashboard moderation feed) on this node. */
  tenantFeed: TenantFeed;
  /** This node's id in usage peaks and presence. */
  nodeId: string;
  /** Seals and opens tenants' API secrets for SSO (`SECRETS_KEY`, or the store's own key). */
  secrets: SecretBox;
  /** The REST API's route table (`/api/v1/`), which the OpenAPI document must describe. */
  apiEndpoints: readonly ApiEndpoint[];
  /** Sends this node's share of the webhook outbox. */
  webhooks: WebhookDispatcher;
  /** The demo tenant's API secret, when the demo tenant is on. */
  demoSecret: string | undefined;
  /**
   * Resolves if the store stops for good under the node (SQLite: its worker thread died): every store call
   * fails from then on and `/readyz` answers 503. The entry point (main.ts) exits then, for a supervisor to restart it.
   */
  storeFailure: Promise<Error>;
  /** Stops accepting, turns /readyz false, closes sockets with 1001 over `drainMs`, then closes everything. */
  close(drainMs?: number): Promise<void>;
}

/** What a test may wire in place of what the config names: a store it makes (a SQLite store with test hooks). */
export interface ServerWiring {
  openStore?: (options: OpenStoreOptions) => Store;
}

export async function startServer(config: Config, log: Logger, wiring: ServerWiring = {}): Promise<RunningServer> {
  const nodeId = randomUUID();
  const { limits } = config;
  const presence = new TenantPresence();
  const metrics = new PrometheusMetrics({
    subscriptions: (): number => presence.subscriptions,
    adminSubscriptions: (): number => feed.subscriberCount,
    topics: (): number => hub.topicCount,
    busLostTopics: (): number => bus.lostTopicCount ?? 0,
  });
  let storeFailed: (error: Error) => void = () => {};
  const storeFailure = new Promise<Error>((resolve) => { storeFailed = resolve; });
  const onFailure = (error: Error): void => {
    log.fatal({ err: error }, 'the store stopped: this node can no longer read or store');
    storeFailed(error);
  };
  const store = instrumentStore(wiring.openStore?.({ onFailure }) ?? await openStore(config.databaseUrl, limits.EVENT_LOG_KEEP, { onFailure }), metrics.storeLatency);
  await store.init();
  const bus = instrumentBus(await openBus({ redisUrl: config.redisUrl, redisCluster: config.redisCluster, prefix: config.redisPrefix }, log), metrics.busPublish);
  const secret = config.sessionSecret ?? (await store.getOrCreateSetting('session-secret', () => randomBytes(32).toString('base64url')));
  const signer = new SessionSigner(secret);
  const secrets = await openSecretBox(store, config.secretsKey);
  const service = new ChatService(store, bus, limits, (error) => log.warn({ err: error }, 'publish failed; subscribers will catch up from the store'));

  // Fan-out: the hub orders each image's events for this node's subscribers, the feed carries tenant-wide
  // frames to admin connections, and the bus hands everything it brings to one handler.
  const hub = new TopicHub({
    gapWaitMs: limits.GAP_WAIT_MS,
    fetchEvents: (key, after, upTo) => store.eventsBetween(key, after, upTo),
    onTopicOpened: (topic) => bus.subscribe(topic),
    onTopicClosed: (topic) => bus.unsubscribe(topic),
    onError: (error) => log.error({ err: error }, 'topic hub'),
    // Events stored that no node publishes: across nodes, a node that died between storing and publishing; on
    // any deployment, the chats `npm run tenant -- import` stores (the CLI has no bus). The probe finds both.
    probeSeq: (key) => store.headSeq(key), probeIntervalMs: limits.SEQ_PROBE_INTERVAL_MS, probeBatch: 100,
  });
  const feed = new TenantFeed({ bus, store, onError: (error) => log.warn({ err: error }, 'tenant feed'), onDelivered: () => metrics.feedDelivered() });
  // Set once the gateway exists; a change announced before that has no connections to tell.
  let connections: Gateway | undefined;
  const tenantChanges = new TenantChanges({
    bus,
    changed: (tenantId) => {
      service.tenants.forget(tenantId);
      // Open widgets of the tenant hear its new rules.
      connections?.tenantChanged(tenantId).catch((error: unknown) => log.warn({ err: error, tenantId }, 'tenant change not told to connections'));
    },
    onError: (error) => log.warn({ err: error }, 'tenant change not announced'),
  });
  // Who is viewing each image and who is typing, merged over the nodes through the images' own bus topics.
  const viewers = new PresenceHub({ bus, nodeId, limits, log });
  bus.setHandler(new FanoutBusHandler({ hub, feed, tenantChanges, presence: viewers, meter: metrics, log }));
  await tenantChanges.start();

  const usage = new UsageMeter({ store, nodeId, presence, viewers, flushMs: config.usageFlushMs, log, onFlush: (ok) => metrics.usageFlushed(ok) });
  // Write observers, told of every stored write before it is published.
  service.observe(hub);
  service.observe(usage);
  service.observe(feed);
  // Webhooks: the outbox rows are stored with each write; this node starts sending them at once.
  const webhooks = new WebhookDispatcher({ store, box: secrets, nodeId, settings: config.webhooks, log, onAttempt: (outcome) => metrics.webhookAttempted(outcome) });
  // A write that queued no delivery gives the dispatcher nothing to look for (its poll still runs): no store call per write.
  service.observe({ written: (_event, queued) => { if (queued !== false) webhooks.nudge(); } });
  // Every TCP connection holds a file descriptor: cap them below the open-files limit, and WebSockets below that.
  const openFilesLimit = readOpenFilesLimit();
  const tcpCap = connectionCap(openFilesLimit, limits.FD_RESERVE);
  const gatewayLimits = { ...limits, MAX_CONNECTIONS: webSocketCap(tcpCap, limits.MAX_CONNECTIONS) };
  if (tcpCap !== undefined) {
    log.info({ maxConnections: tcpCap, maxWebSockets: gatewayLimits.MAX_CONNECTIONS, openFilesLimit, fdReserve: limits.FD_RESERVE }, 'tcp connections capped below the open-files limit');
  }
  const gateway = new Gateway({
    service, hub, signer, secrets, limits: gatewayLimits, log, meter: new MeterSet(metrics, [usage]), tenantFeed: feed, presence, viewers,
    trustedProxies: config.trustedProxies,
  });
  connections = gateway;
  const demoSecret = config.demoTenant ? await ensureDemoTenant(store, secrets) : undefined;

  // The REST API: one route table, which the OpenAPI document describes (server/http/api-endpoints.ts).
  const apiEndpoints: ApiEndpoint[] = [
    ...openApiEndpoints(),
    ...tenantApiEndpoints({ store, liveFreshMs: 3 * config.usageFlushMs }),
    ...tenantRulesEndpoints({ store, changes: tenantChanges }),
    ...restImageEndpoints({ store, service }),
    ...restCommentEndpoints({ store }),
    ...restExportEndpoints({ store, service }),
    // REST writes count toward the tenant's write budget on this node, as its widgets' writes do.
    ...restWriteEndpoints({ store, service, limits, tenantBudget: gateway.budgets }),
    ...restWebhookEndpoints({ endpoints: new WebhookEndpoints(store, secrets, config.webhooks) }),
  ];
  let draining = false;
  const routes: Route[] = [
    ...healthRoutes(store, bus, () => draining),
    ...metricsRoutes(metrics),
    ...apiCorsRoutes(),
    ...apiRoutes(store, apiEndpoints),
    ...demoSsoRoutes(demoSecret),
    ...staticRoutes({ publicDir: config.publicDir, serveSourceMaps: config.serveSourceMaps, serveDemo: config.demoTenant }),
  ];
  const http = createServer(serverTimeouts(limits), createRequestHandler(routes, log));
  http.keepAliveTimeout = 5000;
  guardServer(http, { log, maxConnections: tcpCap, onDrop: () => metrics.connectionDropped('fd-limit') });
  // One address must not hold every descriptor under that cap (half-open requests, refused WebSockets).
  capConnectionsPerAddress(http, {
    log, maxPerAddress: limits.MAX_TCP_CONNECTIONS_PER_IP, trustedProxies: config.trustedProxies,
    onDrop: () => metrics.connectionDropped('address-tcp'),
  });
  gateway.attach(http);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let closing: Promise<void> | null = null;
  const close = (drainMs = config.drainMs): Promise<void> => {
    closing ??= (async () => {
      // HTTP stays up while draining so load balancers can read /readyz = 503; new sockets are refused.
      draining = true;
      gateway.stopAccepting();
      await gateway.closeSpread(drainMs);
      // Writes already stored are acknowledged and published before the bus closes, or other nodes' clients
      // would not hear of them until the image's next write.
      await service.settle();
      http.close();
      await gateway.close();
      hub.close();
      viewers.close();
      feed.close();
      // Attempts under way end (each within WEBHOOK_TIMEOUT_MS) and are recorded before the store closes.
      await webhooks.close();
      // Every delivery has happened: store the last counts before the store closes.
      await usage.close();
      http.closeAllConnections();
      await bus.close();
      await store.close();
    })();
    return closing;
  };

  usage.start();
  webhooks.start();
  return {
    url: `http://${host}:${port}`, port, http, store, bus, service, gateway, hub, viewers, usage, metrics, tenantFeed: feed, nodeId, secrets, apiEndpoints, webhooks,
    demoSecret, storeFailure, close,
  };
}
