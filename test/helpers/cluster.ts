/**
 * A private image-chat cluster for one test suite: a redis-server (or a Redis Cluster, for the sharded bus), a
 * PostgreSQL, and N nodes run as separate processes (`node dist/server/main.js`) sharing them. Nodes can be
 * killed or drained and started again on their port. `stop()` ends everything it started, whatever state it is in.
 */
import { randomUUID } from 'node:crypto';
import { freePort } from './free-port.mjs';
import { startNodeProcess, type NodeProcess } from './node-process.js';
import { startPostgres, type PostgresServer } from './postgres.mjs';
import { startRedis, type RedisServer } from './redis.mjs';
import { startRedisCluster, type RedisClusterServer } from './redis-cluster.mjs';
import { PostgresStore } from '../../server/store/postgres.js';

export const REDIS_PREFIX = 'ic-test:';

/** The nodes and the database of a cluster, whichever bus they share. */
export interface ClusterNodes {
  postgres: PostgresServer;
  databaseUrl: string;
  /** The running node in each slot, or null while it is down. */
  nodes: (NodeProcess | null)[];
  /** WebSocket URLs of the nodes that are up now. */
  liveUrls(): string[];
  /** Stops node `index` with `signal` (SIGKILL: a crash; SIGTERM: a graceful drain) and waits for its exit. */
  stopNode(index: number, signal: NodeJS.Signals): Promise<number | null>;
  /** Starts node `index` again on its port. */
  startNode(index: number): Promise<NodeProcess>;
  /** A store on the cluster's database, for reading the truth directly. */
  openStore(): Promise<PostgresStore>;
  stop(): Promise<void>;
}

/** Nodes on one Redis. */
export interface Cluster extends ClusterNodes {
  redis: RedisServer;
}

/** Nodes on a Redis Cluster with sharded pub/sub (`REDIS_CLUSTER`). */
export interface ShardedCluster extends ClusterNodes {
  redisCluster: RedisClusterServer;
}

/** Environment every node gets; `env` adds to or overrides it. */
function nodeEnv(databaseUrl: string, busEnv: Record<string, string>, port: number, env: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ...busEnv,
    REDIS_PREFIX: REDIS_PREFIX,
    PORT: String(port),
    // Gaps a lost bus message leaves are read from the store sooner than the default second.
    GAP_WAIT_MS: '300',
    // Randomized tests write faster than a person does.
    WRITE_RATE_PER_SECOND: '1000',
    WRITE_BURST: '1000',
    FRAME_RATE_PER_SECOND: '2000',
    FRAME_BURST: '2000',
    // All clients share one address and one tenant: the budgets across connections out of their way.
    PERSON_WRITES_PER_MINUTE: '1000000', IP_WRITES_PER_MINUTE: '1000000', TENANT_WRITES_PER_MINUTE: '1000000',
    MAX_CONNECTIONS_PER_IP: '10000', CONNECTION_BURST_PER_IP: '10000', CONNECTION_RATE_PER_IP: '1000000', MAX_TCP_CONNECTIONS_PER_IP: '10000', IP_TENANT_HELLOS_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
    ...env,
  };
}

/** The demo tenant's API secret, which the cluster's nodes made (PostgreSQL's store calls the maker anyway). */
export async function demoSecretOf(cluster: Cluster): Promise<string> {
  const store = await cluster.openStore();
  try {
    return await store.getOrCreateSetting('demo-tenant-secret', () => 'not-the-secret');
  } finally {
    await store.close();
  }
}

export async function startCluster(count = 3, env: Record<string, string> = {}): Promise<Cluster> {
  const redis = await startRedis();
  const nodes = await startNodes(count, { REDIS_URL: redis.url }, env).catch(async (error: unknown) => {
    await redis.stop();
    throw error;
  });
  return { ...nodes, redis, stop: async () => { await nodes.stop(); await redis.stop(); } };
}

/**
 * Nodes on a Redis Cluster of three masters with `replicasPerMaster` replicas each (one by default: a killed
 * master's replica takes over), through `REDIS_CLUSTER`.
 */
export async function startShardedCluster(count = 3, env: Record<string, string> = {}, replicasPerMaster = 1): Promise<ShardedCluster> {
  const redisCluster = await startRedisCluster({ masters: 3, replicasPerMaster });
  const nodes = await startNodes(count, { REDIS_CLUSTER: redisCluster.spec }, env).catch(async (error: unknown) => {
    await redisCluster.stop();
    throw error;
  });
  return { ...nodes, redisCluster, stop: async () => { await nodes.stop(); await redisCluster.stop(); } };
}

/** A PostgreSQL and `count` nodes on the bus `busEnv` names; `stop()` ends them (not the bus). */
async function startNodes(count: number, busEnv: Record<string, string>, env: Record<string, string>): Promise<ClusterNodes> {
  let postgres: PostgresServer | undefined;
  const nodes: (NodeProcess | null)[] = [];
  const ports: number[] = [];
  try {
    postgres = await startPostgres();
    const databaseUrl = await postgres.createDatabase(`cluster_${randomUUID().replace(/-/g, '')}`);
    for (let i = 0; i < count; i += 1) ports.push(await freePort());
    // Started one after another: they race on migrations and the demo tenant otherwise (safe, but slower on 2 cores).
    // A free port found now may be taken by another test file before its node starts: that node gets another.
    for (let i = 0; i < ports.length; i += 1) {
      nodes.push(await startNodeProcess(nodeEnv(databaseUrl, busEnv, ports[i]!, env)).catch(async (error: unknown) => {
        if (!String(error).includes('is in use')) throw error;
        ports[i] = await freePort();
        return startNodeProcess(nodeEnv(databaseUrl, busEnv, ports[i]!, env));
      }));
    }
    const pg = postgres;
    const stores: PostgresStore[] = [];
    return {
      postgres: pg,
      databaseUrl,
      nodes,
      liveUrls: () => nodes.filter((n): n is NodeProcess => n !== null).map((n) => n.wsUrl),
      stopNode: async (index, signal) => {
        const node = nodes[index];
        if (!node) return null;
        const code = await node.stop(signal);
        nodes[index] = null;
        return code;
      },
      startNode: async (index) => {
        const node = await startNodeProcess(nodeEnv(databaseUrl, busEnv, ports[index]!, env));
        nodes[index] = node;
        return node;
      },
      openStore: async () => {
        const store = new PostgresStore({ url: databaseUrl, eventLogKeep: 1000, poolSize: 2 });
        stores.push(store);
        return store;
      },
      stop: async () => {
        await Promise.all(stores.map((s) => s.close().catch(() => {})));
        await Promise.all(nodes.map((n) => n?.stop('SIGKILL')));
        await pg.stop();
      },
    };
  } catch (error) {
    await Promise.all(nodes.map((n) => n?.stop('SIGKILL')));
    await postgres?.stop();
    throw error;
  }
}
