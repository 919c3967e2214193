/**
 * `idempotent` (server/http/rest-idempotency.ts) on a real SQLite store: a refusal before the store lets the key
 * go; a failure that may have come after the store committed keeps it claimed, so no retry writes twice.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.js';
import { idempotent } from '../../server/http/rest-idempotency.js';
import { HttpError } from '../../server/http/http-error.js';

let store: SqliteStore;
beforeEach(async () => {
  store = new SqliteStore({ path: ':memory:', eventLogKeep: 100 });
  await store.init();
});
afterEach(async () => { await store.close(); });

const call = { tenantId: 't', key: 'header:k', body: { type: 'create-chat' } };
const answer = { status: 200, body: { seq: 1 } };
const noRecovery = async () => null;

test('a refusal (HttpError) lets the key go: the retry writes', async () => {
  await expect(idempotent(store, call, { write: async () => { throw new HttpError('rate-limited', 'later'); }, recover: noRecovery })).rejects.toThrow('later');
  expect(await idempotent(store, call, { write: async () => answer, recover: noRecovery })).toEqual({ ...answer, replayed: false });
  expect(await idempotent(store, call, { write: async () => ({ status: 200, body: { seq: 2 } }), recover: noRecovery })).toEqual({ ...answer, replayed: true });
});

test('a failure that may follow a commit keeps the key claimed: the retry is 409, not a second write', async () => {
  await expect(idempotent(store, call, { write: async () => { throw new Error('connection lost after COMMIT'); }, recover: noRecovery })).rejects.toThrow('connection lost');
  let wrote = false;
  const retry = idempotent(store, call, { write: async () => { wrote = true; return answer; }, recover: noRecovery });
  await expect(retry).rejects.toMatchObject({ code: 'conflict' });
  expect(wrote).toBe(false);
});
