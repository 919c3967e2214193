/** Types of redis-cluster.mjs (plain JS, so the benchmarks run it without a compiler). */

export interface RedisClusterNodeInfo {
  id: string;
  port: number;
  flags: string[];
  slots: string[];
}

export interface RedisClusterServer {
  /** Every node's port, as created (roles change after a failover). */
  ports: number[];
  /** `REDIS_CLUSTER` for an image-chat node: every node's `127.0.0.1:port`, comma-separated. */
  spec: string;
  startupNodes: { host: string; port: number }[];
  /** Runs one command on a fresh connection to the node on `port`. */
  command(port: number, name: string, ...args: string[]): Promise<unknown>;
  /** The port of the live master that serves the slot of `key` (a channel name). */
  masterOf(key: string): Promise<number>;
  ownerOfSlot(slot: number): Promise<RedisClusterNodeInfo>;
  /** Waits until every live node's view gives `slot` to the master on `port`; throws after `timeoutMs`. */
  waitForOwner(slot: number, port: number, timeoutMs?: number): Promise<void>;
  /** `CLUSTER KEYSLOT key`, asked of a live node. */
  slotOf(key: string): Promise<number>;
  /** Masters that are up and serve slots. */
  masters(): Promise<RedisClusterNodeInfo[]>;
  /** Waits until every live node says `cluster_state:ok` and every replica has synced. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Kills the node on `port` (SIGKILL) and waits for its exit. */
  kill(port: number): Promise<void>;
  /** Starts the node on `port` again with its cluster identity. */
  restart(port: number): Promise<void>;
  /** Moves `count` slots from the master on `fromPort` to the master on `toPort` (`redis-cli --cluster reshard`). */
  reshard(fromPort: number, toPort: number, count: number): Promise<void>;
  /** Moves `slot` (and the source's lower slots with it) to the master on `toPort` with `redis-cli --cluster reshard`. */
  moveSlot(slot: number, toPort: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a private Redis Cluster: `masters` masters with `replicasPerMaster` replicas each, on free ports, each
 * in its own temp dir, without persistence, `cluster-node-timeout` `nodeTimeoutMs` (1 s: fast failovers).
 */
export function startRedisCluster(options?: { masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number }): Promise<RedisClusterServer>;
