/**
 * The REST API's part of the store contract (docs/api.md): the paginated list of a tenant's images, and
 * idempotency keys claimed exactly once across store instances. Registered by `storeContract` for every backend.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { IdempotencyClaim } from '../../server/store/types.js';
import { open, sequenced, writeMessage, type StoreBackend } from './store-helpers.js';

const claimOf = (key: string, parts: Partial<IdempotencyClaim> = {}): IdempotencyClaim => ({
  tenantId: 'demo', key, fingerprint: 'f1', now: Date.now(), leaseMs: 60_000, keepMs: 86_400_000, ...parts,
});

export function apiContract(backend: StoreBackend): void {
  describe('REST API', () => {
    test('listImages pages through the tenant\'s written images in url id order, with marker count, seq and last activity', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      await store.createTenant({ id: 'other', name: 'Other', origins: [], secretHash: 'h2' });
      const before = Date.now();
      const ids = ['img-c', 'img-a', 'img-é', 'img-b'];
      for (const urlId of ids) sequenced(await writeMessage(store, { tenantId: 'demo', urlId }, { type: 'create-chat', x: 0.1, y: 0.1, text: urlId }));
      const second = sequenced(await writeMessage(store, { tenantId: 'demo', urlId: 'img-b' }, { type: 'create-chat', x: 0.2, y: 0.2, text: 'two' }));
      sequenced(await writeMessage(store, { tenantId: 'other', urlId: 'img-0' }, { type: 'create-chat', x: 0.1, y: 0.1, text: 'not demo' }));
      await store.read({ tenantId: 'demo', urlId: 'img-never-written' });
      const after = Date.now();

      const first = await store.listImages('demo', null, 2);
      expect(first.images.map((i) => i.urlId)).toEqual(['img-a', 'img-b']);
      expect(first.next).toBe('img-b');
      expect(first.images[1]).toEqual({ urlId: 'img-b', chatCount: 2, seq: 2, lastActivity: expect.any(Number) });
      for (const image of first.images) {
        expect(image.lastActivity).toBeGreaterThanOrEqual(before);
        expect(image.lastActivity).toBeLessThanOrEqual(after);
      }
      const rest = await store.listImages('demo', first.next, 2);
      // Byte order: 'é' (UTF-8 0xC3…) after every ASCII letter, on both stores.
      expect(rest).toEqual({ images: [expect.objectContaining({ urlId: 'img-c' }), expect.objectContaining({ urlId: 'img-é' })], next: null });
      expect(await store.listImages('nobody', null, 10)).toEqual({ images: [], next: null });

      // A delete changes the count, the seq and the last activity.
      await new Promise((resolve) => setTimeout(resolve, 5));
      sequenced(await writeMessage(store, { tenantId: 'demo', urlId: 'img-b' }, { type: 'delete-chat', chatId: second.chatId }));
      const [b] = (await store.listImages('demo', 'img-a', 1)).images;
      expect(b).toMatchObject({ urlId: 'img-b', chatCount: 1, seq: 3 });
      expect(b!.lastActivity).toBeGreaterThan(first.images[1]!.lastActivity);
      await store.close();
    });

    test('searchComments finds the tenant\'s comments newest first by text or author, a page at a time', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      await store.createTenant({ id: 'other', name: 'Other', origins: [], secretHash: 'h2' });
      const bob = { id: 'u2', name: 'Bob Stone', moderator: false, mayResolveOthers: true };
      const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 3));
      const opened = sequenced(await writeMessage(store, { tenantId: 'demo', urlId: 'img-a' }, { type: 'create-chat', x: 0.1, y: 0.1, text: 'The Sky is blue' }));
      await pause();
      sequenced(await writeMessage(store, { tenantId: 'demo', urlId: 'img-a' }, { type: 'add-comment', chatId: opened.chatId, text: 'a SKY reply' }, { actor: bob }));
      await pause();
      sequenced(await writeMessage(store, { tenantId: 'demo', urlId: 'img-b' }, { type: 'create-chat', x: 0.5, y: 0.5, text: 'grass 100% green_' }, { actor: bob }));
      await pause();
      sequenced(await writeMessage(store, { tenantId: 'other', urlId: 'img-a' }, { type: 'create-chat', x: 0.1, y: 0.1, text: 'sky of another tenant' }));

      const all = await store.searchComments('demo', { text: null, author: null, after: null, limit: 10 });
      expect(all.next).toBeNull();
      expect(all.comments.map((hit) => [hit.urlId, hit.comment.text, hit.opensThread])).toEqual([
        ['img-b', 'grass 100% green_', true], ['img-a', 'a SKY reply', false], ['img-a', 'The Sky is blue', true],
      ]);
      expect(all.comments[1]).toMatchObject({ chatId: opened.chatId, comment: { author: { id: 'u2', name: 'Bob Stone' } } });

      const texts = async (query: { text?: string; author?: string }, limit = 10): Promise<string[]> =>
        (await store.searchComments('demo', { text: query.text ?? null, author: query.author ?? null, after: null, limit })).comments.map((hit) => hit.comment.text);
      expect(await texts({ text: 'sky' })).toEqual(['a SKY reply', 'The Sky is blue']);
      // No wildcards: % and _ are only themselves.
      expect(await texts({ text: '%' })).toEqual(['grass 100% green_']);
      expect(await texts({ text: 'n_' })).toEqual(['grass 100% green_']);
      expect(await texts({ text: 'y_' })).toEqual([]);
      expect(await texts({ author: 'stone' })).toEqual(['grass 100% green_', 'a SKY reply']);
      expect(await texts({ author: 'u1' })).toEqual(['The Sky is blue']);
      expect(await texts({ author: 'u' })).toEqual([]);
      expect(await texts({ text: 'sky', author: 'bob' })).toEqual(['a SKY reply']);

      const first = await store.searchComments('demo', { text: null, author: null, after: null, limit: 2 });
      expect(first.comments.map((hit) => hit.comment.text)).toEqual(['grass 100% green_', 'a SKY reply']);
      expect(first.next).toEqual({ createdAt: first.comments[1]!.comment.createdAt, urlId: 'img-a', chatId: opened.chatId, commentId: first.comments[1]!.comment.id });
      const rest = await store.searchComments('demo', { text: null, author: null, after: first.next, limit: 2 });
      expect(rest.comments.map((hit) => hit.comment.text)).toEqual(['The Sky is blue']);
      expect(rest.next).toBeNull();

      // A deleted marker's comments are gone from the search.
      sequenced(await writeMessage(store, { tenantId: 'demo', urlId: 'img-a' }, { type: 'delete-chat', chatId: opened.chatId }));
      expect(await texts({})).toEqual(['grass 100% green_']);
      await store.close();
    });

    test('an idempotency key is claimed once, answered from the store after, and let go when nothing was written', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const key = randomUUID();
      expect(await store.claimIdempotencyKey(claimOf(key))).toEqual({ state: 'claimed', takenOver: false });
      expect(await store.claimIdempotencyKey(claimOf(key))).toEqual({ state: 'in-flight' });
      expect(await store.claimIdempotencyKey(claimOf(key, { fingerprint: 'f2' }))).toEqual({ state: 'mismatch' });
      // Keys are per tenant.
      expect(await store.claimIdempotencyKey(claimOf(key, { tenantId: 'other' }))).toEqual({ state: 'claimed', takenOver: false });
      await store.finishIdempotencyKey('demo', key, '{"seq":1}');
      expect(await store.claimIdempotencyKey(claimOf(key))).toEqual({ state: 'done', answer: '{"seq":1}' });

      const released = randomUUID();
      expect(await store.claimIdempotencyKey(claimOf(released))).toEqual({ state: 'claimed', takenOver: false });
      await store.finishIdempotencyKey('demo', released, null);
      expect(await store.claimIdempotencyKey(claimOf(released))).toEqual({ state: 'claimed', takenOver: false });
      await store.close();
    });

    test('findEventByBroadcastId finds what a write stored under its broadcastId, on that image only', async () => {
      const store = await open(await backend.fresh());
      const key = { tenantId: 'demo', urlId: `img-${randomUUID()}` };
      const made = sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'one', broadcastId: 'b-1' }));
      sequenced(await writeMessage(store, key, { type: 'add-comment', chatId: made.chatId, text: 'two', broadcastId: 'b-2' }));
      expect(await store.findEventByBroadcastId(key, 'b-1')).toEqual(made);
      expect(await store.findEventByBroadcastId(key, 'b-2')).toMatchObject({ seq: 2, type: 'image-chat-updated' });
      expect(await store.findEventByBroadcastId(key, 'b-3')).toBeNull();
      expect(await store.findEventByBroadcastId({ tenantId: 'demo', urlId: 'elsewhere' }, 'b-1')).toBeNull();
      await store.close();
    });

    test('concurrent claims of one key from two instances: exactly one wins', async () => {
      const database = await backend.fresh();
      const a = await open(database);
      const b = await database.open();
      for (let round = 0; round < 5; round += 1) {
        const key = randomUUID();
        const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a : b).claimIdempotencyKey(claimOf(key))));
        expect(answers.filter((answer) => answer.state === 'claimed')).toHaveLength(1);
        expect(answers.filter((answer) => answer.state === 'in-flight')).toHaveLength(9);
      }
      await Promise.all([a.close(), b.close()]);
    });

    test('a claim whose lease ran out may be taken over once; an expired key is forgotten', async () => {
      const database = await backend.fresh();
      const a = await open(database);
      const b = await database.open();
      const now = Date.now();
      const lapsed = randomUUID();
      expect(await a.claimIdempotencyKey(claimOf(lapsed, { now, leaseMs: 1000 }))).toEqual({ state: 'claimed', takenOver: false });
      const later = now + 2000;
      const takers = await Promise.all([a, b, a, b].map((store) => store.claimIdempotencyKey(claimOf(lapsed, { now: later, leaseMs: 1000 }))));
      expect(takers.filter((answer) => answer.state === 'claimed')).toEqual([{ state: 'claimed', takenOver: true }]);

      const answered = randomUUID();
      expect(await a.claimIdempotencyKey(claimOf(answered, { now, keepMs: 5000 }))).toEqual({ state: 'claimed', takenOver: false });
      await a.finishIdempotencyKey('demo', answered, 'first');
      expect(await b.claimIdempotencyKey(claimOf(answered, { now: now + 4000 }))).toEqual({ state: 'done', answer: 'first' });
      expect(await b.claimIdempotencyKey(claimOf(answered, { now: now + 5000, fingerprint: 'new' }))).toEqual({ state: 'claimed', takenOver: false });
      expect(await database.query('SELECT count(*) AS n FROM api_idempotency')).toEqual([{ n: 2 }]);
      await Promise.all([a.close(), b.close()]);
    });
  });
}
