/** Opens the store named by DATABASE_URL. Concrete stores are imported here only, never by the core. */
import type { Store } from './types.js';
import { SqliteStore } from './sqlite.js';

export async function openStore(databaseUrl: string, eventLogKeep: number): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    return new SqliteStore({ path: databaseUrl.slice('sqlite:'.length), eventLogKeep });
  }
  const { PostgresStore } = await import('./postgres.js');
  return new PostgresStore({ url: databaseUrl, eventLogKeep });
}
