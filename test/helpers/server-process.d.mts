/** Types of server-process.mjs (plain JS, so the @web/test-runner config and the benchmarks load it without a compiler). */
import type { ChildProcess, StdioOptions } from 'node:child_process';

export function ensureBuilt(): void;

export interface SpawnServerOptions {
  port: number;
  /** Adds to this process's environment; PORT is always `port`. */
  env?: Record<string, string>;
  /** Arguments for node before the script (`--inspect=…`, `--cpu-prof`). */
  nodeArgs?: string[];
  /** A command the server runs under, which must exec node in place (e.g. `['prlimit', '--nofile=128:128']`). */
  wrapper?: string[];
  /** `['ignore', 'pipe', 'pipe']` by default. */
  stdio?: StdioOptions;
}

/** Spawns the built server on 127.0.0.1:`port`; does not wait for it to listen. */
export function spawnServer(options: SpawnServerOptions): ChildProcess;

/** Resolves once `url` answers 2xx; fails when `child` exits first or after `timeoutMs` (30 s by default). */
export function waitForHttp(url: string, child: ChildProcess, timeoutMs?: number): Promise<void>;

export class ServerProcess {
  constructor(options?: { env?: Record<string, string>; port?: number; dataDir?: string });
  readonly env: Record<string, string>;
  readonly port: number;
  readonly dataDir: string;
  readonly log: string;
  readonly url: string;
  readonly wsUrl: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}
export function writeWhileAway(main: ServerProcess, writes: Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
