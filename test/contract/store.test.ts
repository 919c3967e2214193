/** The store contract against SQLite (a temp file) and PostgreSQL (a private server this suite starts). */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { storeContract, writeMessage } from './store.contract.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

storeContract('sqlite', {
  fresh: async () => {
    const dir = makeTempDir();
    dirs.push(dir);
    const path = join(dir, 'store.db');
    return {
      open: async (eventLogKeep = 1000) => {
        const store = new SqliteStore({ path, eventLogKeep });
        await store.init();
        return store;
      },
    };
  },
});

let postgres: PostgresServer;
beforeAll(async () => { postgres = await startPostgres(); });
afterAll(async () => { await postgres?.stop(); });

storeContract('postgres', {
  fresh: async () => {
    const url = await postgres.createDatabase(`contract_${randomUUID().replace(/-/g, '')}`);
    return {
      open: async (eventLogKeep = 1000) => {
        const store = new PostgresStore({ url, eventLogKeep });
        await store.init();
        return store;
      },
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
