/** Types of redis.mjs (plain JS, so the benchmarks run it without a compiler). */

export interface RedisServer {
  port: number;
  url: string;
  /** Kills the server abruptly (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill`). */
  restart(): Promise<void>;
  /** Runs one command on a fresh connection, e.g. `command('PUBSUB', 'NUMSUB', channel)`. */
  command(name: string, ...args: string[]): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts a private redis-server on a free port, without persistence. */
export function startRedis(): Promise<RedisServer>;

/** Starts redis-server with these arguments (nothing saved to disk), once it accepts connections. */
export function launchRedisServer(args: string[]): Promise<import('node:child_process').ChildProcess>;
