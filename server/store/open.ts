/** Opens the store named by DATABASE_URL. Concrete stores are imported here only, never by the core. */
import type { Store } from './types.js';
import { SqliteWorkerStore } from './sqlite-worker-store.js';
import type { StoreWorkerStopped } from './sqlite-worker-errors.js';

export interface OpenStoreOptions {
  /** Told once if the store stops for good under the node (SQLite: its worker thread died). */
  onFailure?: (error: StoreWorkerStopped) => void;
}

/** SQLite runs in a worker thread (sqlite-worker-store.ts); PostgreSQL is asynchronous already. */
export async function openStore(databaseUrl: string, eventLogKeep: number, options: OpenStoreOptions = {}): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    return new SqliteWorkerStore({ path: databaseUrl.slice('sqlite:'.length), eventLogKeep, onFailure: options.onFailure });
  }
  const { PostgresStore } = await import('./postgres.js');
  return new PostgresStore({ url: databaseUrl, eventLogKeep });
}
