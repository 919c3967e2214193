/** Starts a real image-chat node in this process, on port 0, with a throwaway SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { startServer, type RunningServer } from '../../server/app.js';
import type { OpenStoreOptions } from '../../server/store/open.js';
import { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';

export interface TestServer extends RunningServer {
  wsUrl: string;
  dataDir: string;
}

/** A fresh temp directory, removed by `removeDir`. */
export const makeTempDir = (prefix = 'image-chat-test-'): string => mkdtempSync(join(tmpdir(), prefix));
export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });

/**
 * @param env extra environment (limits by their names, DATABASE_URL, REDIS_URL, …)
 * @param dataDir reuse a directory to restart on the same database file
 */
export async function startTestServer(env: Record<string, string> = {}, dataDir = makeTempDir()): Promise<TestServer> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${join(dataDir, 'test.db')}`, DRAIN_MS: '0', ...env });
  const server = await startServer(config, createLogger(process.env.LOG_LEVEL ?? 'silent'));
  return Object.assign(server, { wsUrl: `ws://127.0.0.1:${server.port}/ws`, dataDir });
}

/** The SQLite worker with test hooks (test/helpers/sqlite-test-worker.ts). */
export const SQLITE_TEST_WORKER = new URL('./sqlite-test-worker.ts', import.meta.url);

/**
 * A node like `startTestServer`'s whose SQLite store runs in the worker with test hooks, reached with
 * `(server.store as SqliteWorkerStore).testHook(…)`.
 */
export async function startTestServerWithHooks(env: Record<string, string> = {}, dataDir = makeTempDir()): Promise<TestServer> {
  const path = join(dataDir, 'test.db');
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `sqlite:${path}`, DRAIN_MS: '0', ...env });
  const openStore = (options: OpenStoreOptions) => new SqliteWorkerStore({ path, eventLogKeep: config.limits.EVENT_LOG_KEEP, script: SQLITE_TEST_WORKER, ...options });
  const server = await startServer(config, createLogger(process.env.LOG_LEVEL ?? 'silent'), { openStore });
  return Object.assign(server, { wsUrl: `ws://127.0.0.1:${server.port}/ws`, dataDir });
}
