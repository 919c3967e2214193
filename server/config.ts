/**
 * Configuration from the environment, with defaults that work on a laptop. Contradictory or malformed
 * settings fail at start-up with a message that names the variable.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { LIMITS, type Limits } from '../shared/index.js';
import type { WebhookSettings } from './webhooks/settings.js';
import type { LogFormat } from './log.js';
import { DEFAULT_RETRY_DELAYS_MS } from './webhooks/retry-schedule.js';
import type { RedisClusterNode } from './bus/redis-cluster.js';

export interface Config {
  port: number;
  host: string;
  /** `sqlite:PATH` or `postgres://…`. */
  databaseUrl: string;
  /** Unset (and no `redisCluster`): the in-process bus (one node). */
  redisUrl: string | undefined;
  /**
   * Seed nodes of a Redis Cluster for the sharded bus (`REDIS_CLUSTER=host:port,…`, or `REDIS_URL=
   * redis+cluster://host:port,…`); unset for one Redis or none.
   */
  redisCluster: RedisClusterNode[] | undefined;
  /** Prefix of Redis channel and key names, so several deployments can share one Redis. */
  redisPrefix: string;
  logLevel: string;
  /** `LOG_FORMAT`: JSON lines (default), or `pretty` for people (needs the dev dependency pino-pretty). */
  logFormat: LogFormat;
  /** Secret that signs session tokens; by default made once and kept in the store. */
  sessionSecret: string | undefined;
  /**
   * Key that seals tenants' API secrets for checking SSO payloads (`SECRETS_KEY`); by default made once and kept
   * in the store, so a copy of the database alone then holds everything needed to read them.
   */
  secretsKey: string | undefined;
  /** Directory with the built widget, demo and dashboard. */
  publicDir: string;
  /** Create the `demo` tenant on start (on by default; `DEMO_TENANT=off` for production). */
  demoTenant: boolean;
  /** How long SIGTERM spreads socket closes over, so clients do not all reconnect at once. */
  drainMs: number;
  /** How often usage counts are flushed to the store (they are also flushed on shutdown). */
  usageFlushMs: number;
  /** True under `NODE_ENV=production`: safe defaults (no demo tenant, no source maps) unless asked. */
  production: boolean;
  /** Serve the widget's `.map` files (on outside production by default; `SERVE_SOURCE_MAPS=on` in production). */
  serveSourceMaps: boolean;
  /**
   * Addresses (IPv4/IPv6, or CIDR ranges like `10.0.0.0/8`) of the reverse proxies whose `X-Forwarded-For`
   * is believed (`TRUST_PROXY`); empty: the socket's peer address is the client's.
   */
  trustedProxies: string[];
  webhooks: WebhookSettings;
  limits: Limits;
}

export class ConfigError extends Error {}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** Limits an operator may tune, by environment variable name. */
const TUNABLE_LIMITS = [
  'MAX_FRAME_BYTES', 'MAX_TEXT_LENGTH', 'MAX_CHATS_PER_IMAGE', 'MAX_COMMENTS_PER_CHAT',
  'MAX_SUBSCRIPTIONS_PER_CONNECTION', 'WRITE_RATE_PER_SECOND', 'WRITE_BURST', 'FRAME_RATE_PER_SECOND',
  'FRAME_BURST', 'FLOOD_CLOSE_AFTER', 'EVENT_LOG_KEEP', 'SLOW_CLIENT_BUFFER_BYTES', 'SERVER_PING_INTERVAL_MS',
  'GAP_WAIT_MS', 'SEQ_PROBE_INTERVAL_MS',
  'MAX_THREAD_BYTES', 'MAX_IMAGE_BYTES', 'MAX_SNAPSHOT_BYTES', 'READ_BYTES_PER_MINUTE', 'READ_BYTES_PER_MINUTE_PER_IP',
  'MAX_CONNECTIONS_PER_IP', 'CONNECTION_RATE_PER_IP', 'CONNECTION_BURST_PER_IP', 'MAX_CONNECTIONS', 'FD_RESERVE',
  'PERSON_WRITES_PER_MINUTE', 'PERSON_WRITE_BYTES_PER_MINUTE', 'MAX_CHATS_PER_PERSON_PER_IMAGE', 'IP_WRITES_PER_MINUTE',
  'TENANT_WRITES_PER_MINUTE', 'TENANT_WRITE_BYTES_PER_MINUTE', 'IP_WRITE_BYTES_PER_MINUTE', 'MAX_TCP_CONNECTIONS_PER_IP',
  'HTTP_HEADERS_TIMEOUT_MS', 'MAX_CONCURRENT_READS_PER_IP', 'HTTP_REQUEST_TIMEOUT_MS', 'SUBSCRIBE_DRAIN_TIMEOUT_MS',
  'REST_WRITES_PER_MINUTE', 'IP_TENANT_HELLOS_PER_MINUTE',
  'PRESENCE_FLUSH_MS', 'PRESENCE_HEARTBEAT_MS', 'PRESENCE_EXPIRY_MS', 'PRESENCE_CROWD_VIEWERS', 'PRESENCE_CROWD_FLUSH_MS',
  'PRESENCE_STATE_PEOPLE_MAX',
] as const satisfies readonly (keyof Limits)[];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const limits: Limits = { ...LIMITS };
  for (const name of TUNABLE_LIMITS) limits[name] = integer(env, name, LIMITS[name], 1, 2 ** 31);
  if (limits.MAX_TEXT_LENGTH * 6 + 1024 > limits.MAX_FRAME_BYTES) {
    throw new ConfigError(`MAX_FRAME_BYTES (${limits.MAX_FRAME_BYTES}) is too small for MAX_TEXT_LENGTH (${limits.MAX_TEXT_LENGTH}): a full comment must fit in one frame`);
  }
  if (limits.WRITE_BURST < 1 || limits.FRAME_BURST < limits.WRITE_BURST) throw new ConfigError('FRAME_BURST must be at least WRITE_BURST');
  if (limits.PRESENCE_EXPIRY_MS < 2 * limits.PRESENCE_HEARTBEAT_MS) {
    throw new ConfigError(`PRESENCE_EXPIRY_MS (${limits.PRESENCE_EXPIRY_MS}) must be at least twice PRESENCE_HEARTBEAT_MS (${limits.PRESENCE_HEARTBEAT_MS}): one late heartbeat must not make people disappear`);
  }
  if (limits.PRESENCE_CROWD_FLUSH_MS < limits.PRESENCE_FLUSH_MS) {
    throw new ConfigError(`PRESENCE_CROWD_FLUSH_MS (${limits.PRESENCE_CROWD_FLUSH_MS}) must be at least PRESENCE_FLUSH_MS (${limits.PRESENCE_FLUSH_MS}): a crowd never hears sooner than a few`);
  }
  if (limits.HTTP_HEADERS_TIMEOUT_MS > limits.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`HTTP_HEADERS_TIMEOUT_MS (${limits.HTTP_HEADERS_TIMEOUT_MS}) must not be above HTTP_REQUEST_TIMEOUT_MS (${limits.HTTP_REQUEST_TIMEOUT_MS}): the headers are part of the request`);
  }

  const databaseUrl = env.DATABASE_URL || `sqlite:${resolve('data', 'image-chat.db')}`;
  if (!databaseUrl.startsWith('sqlite:') && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with "sqlite:" or "postgres://", got "${databaseUrl}"`);
  }
  const { redisUrl, redisCluster } = redisSettings(env);
  const redisPrefix = env.REDIS_PREFIX || 'image-chat:';
  // A hash tag in the prefix would put every channel in one slot: the whole bus on one shard.
  if (redisCluster && /\{[^}]*\}/.test(redisPrefix.replace('{}', ''))) {
    throw new ConfigError(`REDIS_PREFIX must not contain a {hash tag} with REDIS_CLUSTER (every image would land on one shard), got "${redisPrefix}"`);
  }

  const production = env.NODE_ENV === 'production';
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    redisUrl,
    redisCluster,
    redisPrefix,
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: logFormat(env.LOG_FORMAT),
    sessionSecret: env.SESSION_SECRET || undefined,
    secretsKey: secretsKey(env.SECRETS_KEY),
    publicDir: env.PUBLIC_DIR || resolve('dist', 'public'),
    // The demo tenant accepts any origin: fine on a laptop, an open door on the internet.
    demoTenant: onOff(env, 'DEMO_TENANT', !production),
    drainMs: integer(env, 'DRAIN_MS', 2000, 0, 600_000),
    // A few seconds: dashboards look fresh, and a node flushes ~one small transaction per interval.
    usageFlushMs: integer(env, 'USAGE_FLUSH_MS', 5000, 50, 600_000),
    production,
    serveSourceMaps: onOff(env, 'SERVE_SOURCE_MAPS', !production),
    trustedProxies: trustedProxies(env.TRUST_PROXY),
    webhooks: webhookSettings(env),
    limits,
  };
}

/** Where the bus is: REDIS_URL (one Redis, or `redis+cluster://` seeds), or REDIS_CLUSTER (seeds); never both. */
function redisSettings(env: NodeJS.ProcessEnv): { redisUrl: string | undefined; redisCluster: RedisClusterNode[] | undefined } {
  const url = env.REDIS_URL || undefined;
  const cluster = env.REDIS_CLUSTER || undefined;
  if (url && cluster) throw new ConfigError('REDIS_URL and REDIS_CLUSTER are both set: set REDIS_URL for one Redis, or REDIS_CLUSTER for a Redis Cluster, not both');
  if (cluster) return { redisUrl: undefined, redisCluster: clusterNodes('REDIS_CLUSTER', cluster) };
  if (url?.startsWith('redis+cluster://')) return { redisUrl: undefined, redisCluster: clusterNodes('REDIS_URL', url.slice('redis+cluster://'.length)) };
  if (url && !/^rediss?:\/\//.test(url)) throw new ConfigError(`REDIS_URL must start with "redis://", "rediss://" or "redis+cluster://", got "${url}"`);
  return { redisUrl: url, redisCluster: undefined };
}

/** `host:port,host:port` (IPv6 hosts in brackets: `[::1]:7000`): the cluster's seed nodes. */
function clusterNodes(name: string, raw: string): RedisClusterNode[] {
  const entries = raw.replace(/\/+$/, '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) throw new ConfigError(`${name} must list at least one cluster node as host:port, got "${raw}"`);
  return entries.map((entry) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new ConfigError(`${name} must list cluster nodes as host:port (e.g. "10.0.0.1:7000,10.0.0.2:7000"), got "${entry}"`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

function webhookSettings(env: NodeJS.ProcessEnv): WebhookSettings {
  const timeoutMs = integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000);
  const leaseMs = integer(env, 'WEBHOOK_LEASE_MS', 60_000, 1000, 3_600_000);
  // A lease shorter than an attempt would let a second node send a delivery the first is still sending.
  if (leaseMs <= timeoutMs) throw new ConfigError(`WEBHOOK_LEASE_MS (${leaseMs}) must be above WEBHOOK_TIMEOUT_MS (${timeoutMs})`);
  return {
    allowPrivateAddresses: onOff(env, 'WEBHOOK_ALLOW_PRIVATE_ADDRESSES', false),
    timeoutMs,
    retryDelaysMs: retryDelays(env.WEBHOOK_RETRY_DELAYS_MS),
    leaseMs,
    pollMs: integer(env, 'WEBHOOK_POLL_MS', 1000, 10, 600_000),
    concurrency: 16,
    perTenant: 4,
    maxResponseBytes: 4096,
    maxEndpointsPerTenant: 10,
  };
}

/** `WEBHOOK_RETRY_DELAYS_MS`: delays in ms between attempts, e.g. "1000,5000"; empty for no retries is not allowed. */
function retryDelays(raw: string | undefined): readonly number[] {
  if (raw === undefined || raw === '') return DEFAULT_RETRY_DELAYS_MS;
  const delays = raw.split(',').map((entry) => Number(entry.trim()));
  if (delays.length > 50 || delays.some((delay) => !Number.isInteger(delay) || delay < 1 || delay > 7 * 24 * 3600_000)) {
    throw new ConfigError(`WEBHOOK_RETRY_DELAYS_MS must be up to 50 comma-separated whole numbers of milliseconds (1 to a week), got "${raw}"`);
  }
  return delays;
}

function logFormat(raw: string | undefined): LogFormat {
  if (raw === undefined || raw === '' || raw === 'json') return 'json';
  if (raw === 'pretty') return 'pretty';
  throw new ConfigError(`LOG_FORMAT must be "json" or "pretty", got "${raw}"`);
}

function secretsKey(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 32) throw new ConfigError('SECRETS_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  return raw;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be "on" or "off", got "${raw}"`);
}

/** `TRUST_PROXY`: comma-separated addresses or CIDR ranges; each is checked here so a typo stops the start. */
function trustedProxies(raw: string | undefined): string[] {
  if (!raw) return [];
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    const validPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !validPrefix) throw new ConfigError(`TRUST_PROXY must list IP addresses or CIDR ranges (e.g. "127.0.0.1,10.0.0.0/8"), got "${entry}"`);
  }
  return entries;
}
