/**
 * The SQLite store in its worker thread (server/store/sqlite-worker-store.ts): what is new beside the store
 * contract, which runs through the worker in test/contract/store.test.ts. A worker that answers while another
 * call holds it, errors that keep their class and code, `close` that drains, and a worker that dies for real.
 */
import { afterAll, expect, test } from 'vitest';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../server/store/sqlite.js';
import { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';
import { StoreWorkerStopped } from '../../server/store/sqlite-worker-errors.js';
import type { Store } from '../../server/store/types.js';
import { LIMITS } from '../../shared/index.js';
import { makeTempDir, removeDir, SQLITE_TEST_WORKER, startTestServerWithHooks } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';
import { imageKey, writeMessage } from '../contract/store-helpers.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function databasePath(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  return join(dir, 'worker.db');
}

/** A store in the worker with test hooks, migrated, with the `demo` tenant. */
async function hookedStore(path = databasePath(), onFailure?: (error: StoreWorkerStopped) => void): Promise<SqliteWorkerStore> {
  const store = new SqliteWorkerStore({ path, eventLogKeep: 1000, script: SQLITE_TEST_WORKER, onFailure });
  await store.init();
  await store.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
  return store;
}

/** Holds the store's worker thread (as a long fsync would) until `release` is called. */
async function holdWorker(store: SqliteWorkerStore): Promise<{ released: Promise<unknown>; release(): void }> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const released = store.testHook('hold', flag.buffer);
  while (Atomics.load(flag, 0) !== 2) await new Promise((resolve) => setTimeout(resolve, 1));
  return { released, release: () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); } };
}

/** What a caller may look at in an error. */
const shape = (error: unknown) => ({ class: (error as Error).constructor.name, code: (error as { code?: unknown }).code, message: (error as Error).message });

const caught = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error);

test('while the worker is held, the event loop answers the network; calls made meanwhile are answered once it is free', async () => {
  const server = await startTestServerWithHooks();
  const store = server.store as SqliteWorkerStore;
  const client = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await client.subscribe('demo', urlId);
  const held = await holdWorker(store);
  // The store's thread is blocked; the node's is not: a ping goes round, and /healthz answers.
  client.send({ type: 'ping' });
  await client.nextOfType('pong');
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  // A write sent now is not acknowledged while its commit cannot run.
  let acked = false;
  const write = client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'queued' }).finally(() => { acked = true; });
  // Calls made meanwhile wait, and are answered once the worker is free.
  const key = imageKey();
  const direct = writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'direct' });
  const head = store.headSeq(key);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(acked).toBe(false);
  held.release();
  expect(await held.released).toBe('released');
  expect(await write).toMatchObject({ type: 'ack', seq: 1 });
  expect(await direct).toMatchObject({ ok: true, event: { seq: 1 } });
  expect([0, 1]).toContain(await head);
  expect(await store.read(key)).toMatchObject({ seq: 1, chats: [{ comments: [{ text: 'direct' }] }] });
  client.close();
  await server.close();
  removeDir(server.dataDir);
});

test('a call made while a write transaction is open is answered; a write made then commits in the next group', async () => {
  const store = await hookedStore();
  const key = imageKey();
  let duringCommit: Promise<unknown>[] = [];
  // The planner runs on this thread while the worker holds the transaction open, waiting for its answer.
  const first = store.write(key, { chatId: null, commentId: null, authorId: null, actor: { id: 'u1', name: 'Ann' } }, (context) => {
    duringCommit = [store.headSeq(key), writeMessage(store, key, { type: 'create-chat', x: 0.1, y: 0.1, text: 'second' })];
    return { ok: false, code: 'conflict', message: `seen at seq ${context.seq}` };
  });
  expect(await first).toEqual({ ok: false, code: 'conflict', message: 'seen at seq 0' });
  const [head, second] = await Promise.all(duringCommit);
  expect(head).toBe(0);
  expect(second).toMatchObject({ ok: true, event: { seq: 1 } });
  await store.close();
});

test('errors keep their class, code and message across the worker, as the store on this thread throws them', async () => {
  const path = databasePath();
  const worker = await hookedStore(path);
  const local = new SqliteStore({ path: databasePath(), eventLogKeep: 1000 });
  await local.init();
  // A write to an image of a tenant that does not exist: a foreign key refuses it inside the transaction.
  const orphan = { tenantId: 'nobody', urlId: 'img' };
  const viaWorker = await caught(writeMessage(worker, orphan, { type: 'create-chat', x: 0.5, y: 0.5, text: 'orphan' }));
  const onThread = await caught(writeMessage(local, orphan, { type: 'create-chat', x: 0.5, y: 0.5, text: 'orphan' }));
  expect(viaWorker).toBeInstanceOf(Database.SqliteError);
  expect(shape(viaWorker)).toEqual(shape(onThread));
  expect(shape(viaWorker)).toMatchObject({ class: 'SqliteError', code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
  // A full database: SQLITE_FULL, with SQLite's message.
  const pages = Number(await worker.testHook('pragma', 'page_count'));
  await worker.testHook('pragma', `max_page_count = ${pages}`);
  const full = await caught(writeMessage(worker, imageKey(), { type: 'create-chat', x: 0.5, y: 0.5, text: 'x'.repeat(20_000) }));
  expect(shape(full)).toEqual({ class: 'SqliteError', code: 'SQLITE_FULL', message: 'database or disk is full' });
  await worker.testHook('pragma', 'max_page_count = 1073741823');
  // A planner that throws (on this thread) fails its write with its own error; a write committed with it in one
  // group fails with it too (the transaction rolls back), as on this thread.
  const mine = new RangeError('the planner broke');
  const key = imageKey();
  const [companion, thrower] = await Promise.allSettled([
    writeMessage(worker, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'maybe the same group' }),
    worker.write(key, { chatId: null, commentId: null, authorId: null, actor: { id: 'u1', name: 'Ann' } }, () => { throw mine; }),
  ]);
  expect(thrower).toEqual({ status: 'rejected', reason: mine });
  expect(await worker.headSeq(key)).toBe(companion.status === 'fulfilled' ? 1 : 0);
  if (companion.status === 'rejected') expect(companion.reason).toBe(mine);
  // Errors the store itself throws (not SQLite's) keep their class too.
  const fresh = new SqliteWorkerStore({ path: databasePath(), eventLogKeep: 1000 });
  expect(shape(await caught(fresh.read(imageKey())))).toEqual(shape(await caught(new SqliteStore({ path: ':memory:', eventLogKeep: 1000 }).read(imageKey()))));
  await fresh.close();
  await worker.close();
  await local.close();
});

test('arguments or answers that cannot cross to the worker fail that call only', async () => {
  const store = await hookedStore();
  expect(shape(await caught(store.testHook('pragma', () => 'a function')))).toMatchObject({ class: 'DOMException', message: expect.stringContaining('could not be cloned') });
  expect(shape(await caught(store.testHook('unclonable')))).toMatchObject({ class: 'Error', message: expect.stringContaining('could not be cloned') });
  expect(await store.headSeq(imageKey())).toBe(0);
  await store.close();
});

test('close waits for the writes already sent, then later calls fail clearly', async () => {
  const path = databasePath();
  const store = await hookedStore(path);
  const key = imageKey();
  const limits = { ...LIMITS, MAX_CHATS_PER_PERSON_PER_IMAGE: 100 };
  const writes = Array.from({ length: 60 }, (_, i) => writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: `w${i}` }, { limits }));
  const closed = store.close();
  const outcomes = await Promise.all(writes);
  await closed;
  expect(outcomes.map((o) => o.ok && o.event.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  await expect(store.headSeq(key)).rejects.toThrow('the store is closed');
  const again = new SqliteWorkerStore({ path, eventLogKeep: 1000 });
  await again.init();
  expect(await again.headSeq(key)).toBe(60);
  await again.close();
});

test('a terminated worker fails pending and later calls with StoreWorkerStopped, once told to onFailure', async () => {
  const failures: StoreWorkerStopped[] = [];
  const store = await hookedStore(databasePath(), (error) => failures.push(error));
  const key = imageKey();
  const held = await holdWorker(store);
  const pending: Promise<unknown>[] = [held.released, store.read(key), writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'lost' })];
  await (store as unknown as { worker: Worker }).worker.terminate();
  for (const call of pending) {
    const error = await caught(call);
    expect(error).toBeInstanceOf(StoreWorkerStopped);
    expect((error as Error).message).toBe("the SQLite store's worker exited (code 1); this node cannot read or store until it restarts");
  }
  await expect(store.ping()).rejects.toBeInstanceOf(StoreWorkerStopped);
  expect(failures).toHaveLength(1);
  await store.close();
});

test('a worker that exits under a running node: writes answer unavailable, /readyz turns 503, the failure is reported', async () => {
  const server = await startTestServerWithHooks();
  const store = server.store as SqliteWorkerStore;
  const client = await TestClient.connect(server.wsUrl);
  const urlId = `img-${randomUUID()}`;
  await client.subscribe('demo', urlId);
  expect(await client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'before' })).toMatchObject({ type: 'ack', seq: 1 });
  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  await expect(store.testHook('exit', 7)).rejects.toThrow("the SQLite store's worker exited (code 7); this node cannot read or store until it restarts");
  expect(await server.storeFailure).toBeInstanceOf(StoreWorkerStopped);
  expect(await client.write({ type: 'create-chat', tenantId: 'demo', urlId, x: 0.5, y: 0.5, text: 'after' })).toMatchObject({ type: 'error', code: 'unavailable' });
  const ready = await fetch(`${server.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ ok: false, store: false });
  client.close();
  await server.close().catch(() => undefined);
  removeDir(server.dataDir);
});

test('a worker that cannot open its database fails init with a clear error instead of hanging', async () => {
  // Its folder cannot be made: a file is in the way.
  const blocker = databasePath();
  writeFileSync(blocker, 'not a folder');
  const store: Store = new SqliteWorkerStore({ path: join(blocker, 'x.db'), eventLogKeep: 1000 });
  const error = await caught(store.init());
  expect(error).toBeInstanceOf(StoreWorkerStopped);
  expect((error as Error).message).toMatch(/^the SQLite store's worker failed: .+; this node cannot read or store until it restarts$/);
  await store.close();
});

test('a :memory: store works in its worker (tests and throwaway stores)', async () => {
  const store = new SqliteWorkerStore({ path: ':memory:', eventLogKeep: 10 });
  await store.init();
  await store.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
  const key = imageKey();
  expect(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'kept' })).toMatchObject({ ok: true, event: { seq: 1 } });
  expect(await store.read(key)).toMatchObject({ reset: true, seq: 1, chats: [{ comments: [{ text: 'kept' }] }] });
  await store.close();
});
