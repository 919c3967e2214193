/** Starts a real image-chat node in this process, on port 0, with a throwaway SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.js';
import { createLogger } from '../../server/log.js';
import { startServer, type RunningServer } from '../../server/app.js';

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
