/**
 * The store contract against SQLite (a temp file, through the worker thread the server runs it in) and
 * PostgreSQL (a private server this suite starts).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';
import { SQLITE_MIGRATIONS } from '../../server/store/sqlite-migrations.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../server/store/postgres-migrations.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.mjs';
import { storeContract } from './store.contract.js';
import { writeMessage } from './store-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Runs `work` on a connection of its own to the file, read-only unless asked, closed afterwards. */
function withSqlite<T>(path: string, work: (db: Database.Database) => T, writable = false): T {
  const db = new Database(path, { readonly: !writable });
  try {
    return work(db);
  } finally {
    db.close();
  }
}

storeContract('sqlite', {
  fresh: async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const path = join(dir, 'store.db');
    return {
      open: async (eventLogKeep = 1000) => {
        const store = new SqliteWorkerStore({ path, eventLogKeep });
        await store.init();
        return store;
      },
      rowCounts: async () => withSqlite(path, (db) => {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
        return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
      }),
      query: async (sql) => withSqlite(path, (db) => {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all() as Record<string, unknown>[];
        statement.run();
        return [];
      }, true),
      migrateTo: async (version) => withSqlite(path, (db) => {
        db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
        SQLITE_MIGRATIONS.slice(0, version).forEach((migration, index) => {
          if (typeof migration === 'string') db.exec(migration);
          else migration(db);
          db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(index + 1, Date.now());
        });
      }, true),
    };
  },
});

let postgres: PostgresServer;
beforeAll(async () => { postgres = await startPostgres(); });
afterAll(async () => { await postgres?.stop(); });

/** bigint and numeric (counts, sums, BIGINT columns) as numbers, as SQLite answers them. */
const NUMBERS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 || oid === 1700 ? Number : pg.types.getTypeParser(oid, format))) as pg.CustomTypesConfig['getTypeParser'],
};

async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, types: NUMBERS });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

storeContract('postgres', {
  fresh: async () => {
    const url = await postgres.createDatabase(`contract_${randomUUID().replace(/-/g, '')}`);
    return {
      open: async (eventLogKeep = 1000) => {
        const store = new PostgresStore({ url, eventLogKeep });
        await store.init();
        return store;
      },
      rowCounts: async () => withPostgres(url, async (client) => {
        const { rows } = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
        const counts: Record<string, number> = {};
        for (const { name } of rows) counts[name] = (await client.query<{ n: number }>(`SELECT count(*) AS n FROM "${name}"`)).rows[0]!.n;
        return counts;
      }),
      query: async (sql) => withPostgres(url, async (client) => (await client.query(sql)).rows as Record<string, unknown>[]),
      migrateTo: async (version) => withPostgres(url, async (client) => {
        await client.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
        for (const [index, migration] of POSTGRES_MIGRATIONS.slice(0, version).entries()) {
          if (typeof migration === 'string') await client.query(migration);
          else await migration(client as unknown as pg.PoolClient);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [index + 1, Date.now()]);
        }
      }),
    };
  },
});

describe('postgres store when the server is down', () => {
  test('calls reject promptly and the store works again once the server is back', async () => {
    const url = await postgres.createDatabase(`down_${randomUUID().replace(/-/g, '')}`);
    const store = new PostgresStore({ url, eventLogKeep: 1000 });
    await store.init();
    await store.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
    const key = { tenantId: 'demo', urlId: 'down' };
    await store.read(key);
    await postgres.kill();
    try {
      await expect(store.ping()).rejects.toThrow();
      await expect(writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'lost' })).rejects.toThrow();
      await expect(store.read(key)).rejects.toThrow();
    } finally {
      await postgres.restart();
    }
    const outcome = await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'back' });
    expect(outcome).toMatchObject({ ok: true, event: { seq: 1 } });
    await store.close();
  });
});
