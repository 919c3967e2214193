/**
 * The store contract: what the core relies on from any store. `storeContract` registers the suite for one
 * backend; store.test.ts runs it against SQLite and PostgreSQL. Writes go through the real planner.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { DEFAULT_RULES, type Chat, type ImageEvent } from '../../shared/index.js';
import type { WriteContext, WriteTarget } from '../../server/core/write-plan.js';
import { jsonBytes } from '../../server/core/wire-size.js';
import { usageContract } from './usage.contract.js';
import { storeRowsContract } from './store-rows.contract.js';
import { apiContract } from './api.contract.js';
import { importContract } from './import.contract.js';
import { webhooksContract } from './webhooks.contract.js';
import { tenantAdminContract } from './tenant-admin.contract.js';
import { ann, imageKey, open, replay, sequenced, writeMessage, type StoreBackend, type WriteFields } from './store-helpers.js';

export type { StoreBackend } from './store-helpers.js';

const onlyChat = (chatId: string | null): WriteTarget => ({ chatId, commentId: null, authorId: null, actor: ann });

const byId = (chats: Chat[]): Chat[] => [...chats].sort((a, b) => a.id.localeCompare(b.id));

export function storeContract(name: string, backend: StoreBackend): void {
  describe(`store contract: ${name}`, () => {
    usageContract(backend);
    storeRowsContract(backend);
    webhooksContract(backend);
    tenantAdminContract(backend);
    apiContract(backend);
    importContract(backend);
    test('an image never written reads as seq 0 with the database\'s epoch; its first write keeps that epoch', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const key = imageKey();
      const first = await store.read(key);
      expect(first).toEqual({ reset: true, seq: 0, epoch: expect.any(String), chats: [] });
      expect(await store.read(key, 0, first.epoch)).toEqual({ reset: false, seq: 0, epoch: first.epoch, events: [] });
      // The same for every unwritten image and every instance on the database: nothing per image is kept.
      expect((await store.read(imageKey())).epoch).toBe(first.epoch);
      const second = await open(database);
      expect((await second.read(key)).epoch).toBe(first.epoch);
      // A client that saw (0, epoch) gets exactly the events made since, not a snapshot.
      const events = [
        sequenced(await writeMessage(second, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'first' })),
        sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.2, y: 0.2, text: 'second' })),
      ];
      expect(await store.read(key, 0, first.epoch)).toEqual({ reset: false, seq: 2, epoch: first.epoch, events });
      expect(await second.read(key, 0, first.epoch)).toEqual({ reset: false, seq: 2, epoch: first.epoch, events });
      // A recreated history (a new database) has another epoch, so such a client gets a snapshot there.
      const elsewhere = await open(await backend.fresh());
      const fresh = await elsewhere.read(key, 0, first.epoch);
      expect(fresh.epoch).not.toBe(first.epoch);
      expect(fresh).toMatchObject({ reset: true, seq: 0, chats: [] });
      await Promise.all([store.close(), second.close(), elsewhere.close()]);
    });

    test('2,000 reads of images never written leave every table\'s row count unchanged', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const kept = imageKey();
      sequenced(await writeMessage(store, kept, { type: 'create-chat', x: 0.5, y: 0.5, text: 'one image is written' }));
      const before = await database.rowCounts();
      const { epoch } = await store.read(kept);
      for (let start = 0; start < 2000; start += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => {
          const key = { tenantId: 'demo', urlId: `https://example.com/${'long/'.repeat(400)}${start + i}.png` };
          return i % 2 === 0 ? store.read(key) : store.read(key, 0, epoch);
        }));
      }
      expect(await store.headSeq({ tenantId: 'demo', urlId: 'never' })).toBe(0);
      expect(await database.rowCounts()).toEqual(before);
      expect(before.images).toBe(1);
      await store.close();
    });

    test('a since no image can reach, or an odd epoch, gets a snapshot, never an error', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'hi' }));
      const { epoch } = await store.read(key);
      for (const since of [2 ** 31 - 1, 2 ** 31, 2 ** 53, Number.MAX_VALUE, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await store.read(key, since, epoch)).toMatchObject({ reset: true, seq: 1, epoch, chats: [{ x: 0.5 }] });
        expect(await store.read(imageKey(), since, epoch)).toMatchObject({ reset: true, seq: 0, epoch, chats: [] });
      }
      for (const odd of ['', 'x'.repeat(10_000), `${epoch}\u0000`, '\ud800', 'ép']) {
        expect(await store.read(key, 0, odd)).toMatchObject({ reset: true, seq: 1, epoch });
      }
      await store.close();
    });

    test('writes get the image\'s next seq; a refused write takes none; images count separately', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const chatId = randomUUID();
      const created = sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.1, y: 0.2, text: 'one' }));
      expect(created).toMatchObject({ type: 'new-image-chat', seq: 1, chatId, tenantId: key.tenantId, urlId: key.urlId });
      const refused = await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.1, y: 0.2, text: 'again' });
      expect(refused).toMatchObject({ ok: false, code: 'conflict' });
      const missing = await writeMessage(store, key, { type: 'add-comment', chatId: randomUUID(), text: 'nobody' });
      expect(missing).toMatchObject({ ok: false, code: 'not-found' });
      const added = sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, text: 'two' }));
      expect(added.seq).toBe(2);
      const elsewhere = sequenced(await writeMessage(store, imageKey(), { type: 'create-chat', x: 0.5, y: 0.5, text: 'x' }));
      expect(elsewhere.seq).toBe(1);
      expect(await store.headSeq(key)).toBe(2);
      expect(await store.headSeq(imageKey())).toBe(0);
      await store.close();
    });

    test('replay gives exactly the events after since; a snapshot equals the events applied in order', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const a = randomUUID();
      const b = randomUUID();
      const commentId = randomUUID();
      const events: ImageEvent[] = [];
      const steps: WriteFields[] = [
        { type: 'create-chat', chatId: a, x: 0.1, y: 0.9, text: 'first' },
        { type: 'create-chat', chatId: b, x: 0.3, y: 0.3, text: 'second' },
        { type: 'add-comment', chatId: a, commentId, text: 'reply "quoted" ✓' },
        { type: 'edit-comment', chatId: a, commentId, text: 'edited' },
        { type: 'move-chat', chatId: a, x: 0.25, y: 0.75 },
        { type: 'resolve-chat', chatId: b, resolved: true },
        { type: 'delete-comment', chatId: a, commentId },
        { type: 'delete-chat', chatId: b },
      ];
      for (const step of steps) events.push(sequenced(await writeMessage(store, key, step)));
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

      const { epoch } = await store.read(key);
      const replayed = await store.read(key, 3, epoch);
      expect(replayed).toEqual({ reset: false, seq: 8, epoch, events: events.slice(3) });
      expect(await store.eventsBetween(key, 2, 5)).toEqual(events.slice(2, 5));
      expect(await store.eventsBetween(key, 5, 5)).toEqual([]);

      const snapshot = await store.read(key);
      if (!snapshot.reset) throw new Error('expected a snapshot');
      expect(snapshot.seq).toBe(8);
      expect(byId(snapshot.chats)).toEqual(byId(replay(events)));
      expect(snapshot.chats).toHaveLength(1);
      expect(snapshot.chats[0]).toMatchObject({ id: a, x: 0.25, y: 0.75, comments: [{ text: 'first' }] });
      // A snapshot plus the events after it equals all events.
      const partial = await store.read(key, 8, epoch);
      expect(partial).toEqual({ reset: false, seq: 8, epoch, events: [] });
      await store.close();
    });

    test('a wrong epoch or a since beyond the seq gets a snapshot, never a partial replay', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'hi' }));
      const { epoch } = await store.read(key);
      expect(await store.read(key, 0, 'another-epoch')).toMatchObject({ reset: true, seq: 1, epoch, chats: [{ x: 0.5 }] });
      expect(await store.read(key, 5, epoch)).toMatchObject({ reset: true, seq: 1 });
      expect(await store.read(key, 0)).toMatchObject({ reset: true, seq: 1 });
      await store.close();
    });

    test('the event log is pruned to eventLogKeep: older since gets a snapshot, eventsBetween null', async () => {
      const store = await open(await backend.fresh(), 3);
      const key = imageKey();
      const chatId = randomUUID();
      const events = [sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: '1' }))];
      for (let i = 2; i <= 6; i += 1) events.push(sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, text: String(i) })));
      const { epoch } = await store.read(key);
      expect(await store.read(key, 3, epoch)).toEqual({ reset: false, seq: 6, epoch, events: events.slice(3) });
      const old = await store.read(key, 2, epoch);
      expect(old.reset).toBe(true);
      if (old.reset) expect(old.chats[0]?.comments.map((c) => c.text)).toEqual(['1', '2', '3', '4', '5', '6']);
      expect(await store.eventsBetween(key, 1, 6)).toBeNull();
      expect(await store.eventsBetween(key, 3, 6)).toEqual(events.slice(3));
      await store.close();
    });

    test('the planner sees the chat, the named comment and the counts inside the transaction', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const chatId = randomUUID();
      const first = randomUUID();
      const reply = randomUUID();
      sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, commentId: first, x: 0.5, y: 0.5, text: 'a' }));
      sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, commentId: reply, text: 'reply' }));
      sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'b' }));
      const look = (target: WriteTarget) => new Promise<WriteContext>((resolve) => {
        void store.write(key, target, (context) => {
          resolve(context);
          return { ok: false, code: 'conflict', message: 'just looking' };
        });
      });
      const seen = await look({ chatId, commentId: reply, authorId: ann.id, actor: ann });
      const snapshot = await store.read(key);
      if (!snapshot.reset) throw new Error('expected a snapshot');
      const stored = snapshot.chats.find((chat) => chat.id === chatId)!;
      const { comments, ...ownFields } = stored;
      expect(seen).toEqual({
        chat: ownFields, commentCount: 2, comment: comments[1], commentIsFirst: false,
        threadBytes: jsonBytes(stored), imageBytes: snapshot.chats.reduce((sum, chat) => sum + jsonBytes(chat), 0),
        chatCount: 2, markersMade: 2, authorChatCount: 2, seq: 3, now: expect.any(Number),
      });
      expect(await look({ chatId, commentId: first, authorId: null, actor: ann })).toMatchObject({ comment: comments[0], commentIsFirst: true, authorChatCount: 0 });
      expect(await look({ chatId, commentId: randomUUID(), authorId: 'nobody', actor: ann })).toMatchObject({ comment: null, commentIsFirst: false, authorChatCount: 0 });
      sequenced(await writeMessage(store, key, { type: 'delete-chat', chatId }));
      expect(await look(onlyChat(chatId))).toMatchObject({ chat: null, commentCount: 0, threadBytes: 0, chatCount: 1, seq: 4 });
      await store.close();
    });

    test('writes issued together are planned in call order, each seeing what the ones before it did', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const chatId = randomUUID();
      const outcomes = await Promise.all([
        writeMessage(store, key, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'one' }),
        writeMessage(store, key, { type: 'add-comment', chatId, text: 'two' }),
        writeMessage(store, key, { type: 'create-chat', chatId, x: 0.1, y: 0.1, text: 'again' }),
        writeMessage(store, key, { type: 'delete-chat', chatId }),
        writeMessage(store, key, { type: 'add-comment', chatId, text: 'too late' }),
        writeMessage(store, key, { type: 'create-chat', x: 0.2, y: 0.2, text: 'other' }),
      ]);
      expect(outcomes.map((o) => (o.ok ? o.event.seq : o.code))).toEqual([1, 2, 'conflict', 3, 'not-found', 4]);
      const snapshot = await store.read(key);
      if (!snapshot.reset) throw new Error('expected a snapshot');
      expect(snapshot.seq).toBe(4);
      expect(snapshot.chats.map((c) => c.comments[0]?.text)).toEqual(['other']);
      const counted = await store.write(key, onlyChat(null), (context) => ({ ok: false, code: 'conflict', message: String(context.chatCount) }));
      expect(counted).toMatchObject({ message: '1' });
      await store.close();
    });

    test('concurrent writers to one image from two store instances get distinct, gap-free seqs', async () => {
      const database = await backend.fresh();
      const one = await open(database);
      const two = await open(database);
      const key = imageKey();
      // Both instances meet the image for the first time at once: one row, one epoch.
      const reads = await Promise.all([one.read(key), two.read(key), one.read(key), two.read(key)]);
      expect(new Set(reads.map((r) => r.epoch)).size).toBe(1);
      const chatId = randomUUID();
      sequenced(await writeMessage(one, key, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'start' }));
      const perWriter = 40;
      const writes = [];
      for (let i = 0; i < perWriter; i += 1) {
        writes.push(writeMessage(one, key, { type: 'add-comment', chatId, text: `one ${i}` }));
        writes.push(writeMessage(two, key, { type: 'add-comment', chatId, text: `two ${i}` }));
      }
      const seqs = (await Promise.all(writes)).map((outcome) => sequenced(outcome).seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: perWriter * 2 }, (_, i) => i + 2));
      const all = await two.eventsBetween(key, 0, perWriter * 2 + 1);
      expect(all?.map((e) => e.seq)).toEqual(Array.from({ length: perWriter * 2 + 1 }, (_, i) => i + 1));
      const snapshot = await one.read(key);
      if (!snapshot.reset) throw new Error('expected a snapshot');
      expect(snapshot.seq).toBe(perWriter * 2 + 1);
      // Every comment landed once, in seq order.
      expect(snapshot.chats[0]?.comments.map((c) => c.text)).toEqual(all?.map((e) => (e.type === 'new-image-chat' ? 'start' : e.type === 'image-chat-updated' ? e.comment?.text : '')));
      await Promise.all([one.close(), two.close()]);
    });

    test('state survives closing and reopening; settings are shared and made once', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const key = imageKey();
      sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.4, y: 0.6, text: 'kept' }));
      const before = await store.read(key);
      const setting = await store.getOrCreateSetting('secret', () => 'first');
      await store.close();
      const reopened = await open(database);
      expect(await reopened.read(key)).toEqual(before);
      expect(await reopened.getOrCreateSetting('secret', () => 'second')).toBe(setting);
      expect(setting).toBe('first');
      await reopened.close();
    });

    test('ids and text with quotes, backslashes and other odd characters are stored exactly', async () => {
      const store = await open(await backend.fresh());
      const key = { tenantId: 'demo', urlId: `https://example.com/it's a \\path\\?q="x"&y=%27 ✓ ${randomUUID()}` };
      const chatId = `chat-'\\-${randomUUID()}`;
      const text = `it's "quoted" \\ back\\slash \\' ; DROP TABLE chats; -- ✓ 🎉 \u0000`.replace('\u0000', '');
      const created = sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.123456789, y: 1, text }));
      const added = sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, text: `$1 $$ \\x27 ${text}` }));
      const snapshot = await store.read(key);
      if (!snapshot.reset) throw new Error('expected a snapshot');
      expect(snapshot.chats).toEqual(replay([created, added]));
      expect(snapshot.chats[0]).toMatchObject({ id: chatId, x: 0.123456789, comments: [{ text }, { text: `$1 $$ \\x27 ${text}` }] });
      expect(await store.eventsBetween(key, 0, 2)).toEqual([created, added]);
      await store.close();
    });

    test('an image belongs to an existing tenant: a write for another rejects and stores nothing', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const before = await database.rowCounts();
      await expect(writeMessage(store, { tenantId: 'nobody', urlId: 'x' }, { type: 'create-chat', x: 0.5, y: 0.5, text: 'hi' })).rejects.toThrow();
      expect(await store.read({ tenantId: 'nobody', urlId: 'x' })).toMatchObject({ reset: true, seq: 0, chats: [] });
      expect(await database.rowCounts()).toEqual(before);
      await store.close();
    });

    test('tenants: create once, read, list, secret hash', async () => {
      const store = await open(await backend.fresh());
      const id = `t-${randomUUID().slice(0, 8)}`;
      expect(await store.createTenant({ id, name: 'Shop', origins: ['https://shop.example'], secretHash: 'h1', ssoKey: 'k1' })).toBe(true);
      expect(await store.createTenant({ id, name: 'Other', origins: [], secretHash: 'h2' })).toBe(false);
      expect(await store.getTenant(id)).toEqual({
        id, name: 'Shop', origins: ['https://shop.example'], createdAt: expect.any(Number), rules: DEFAULT_RULES,
        ssoKeys: { current: 'k1', previous: null, previousUntil: 0 },
      });
      expect(await store.getTenant('nobody')).toBeNull();
      expect((await store.listTenants()).map((t) => t.id)).toContain(id);
      expect(await store.getTenantSecretHash(id)).toBe('h1');
      expect(await store.rotateTenantSecret(id, { secretHash: 'h3', ssoKey: 'k3', keepPreviousUntil: 0 })).toBe(true);
      expect(await store.rotateTenantSecret('nobody', { secretHash: 'h3', ssoKey: 'k3', keepPreviousUntil: 0 })).toBe(false);
      expect(await store.getTenantSecretHash(id)).toBe('h3');
      await store.ping();
      await store.close();
    });

    test('tenants: a rotation keeps the previous SSO key until asked, or drops it; rules are stored whole', async () => {
      const store = await open(await backend.fresh());
      const id = `t-${randomUUID().slice(0, 8)}`;
      await store.createTenant({ id, name: 'Shop', origins: [], secretHash: 'h1', ssoKey: 'k1' });
      const until = Date.now() + 172_800_000;
      expect(await store.rotateTenantSecret(id, { secretHash: 'h2', ssoKey: 'k2', keepPreviousUntil: until })).toBe(true);
      expect((await store.getTenant(id))?.ssoKeys).toEqual({ current: 'k2', previous: 'k1', previousUntil: until });
      expect(await store.rotateTenantSecret(id, { secretHash: 'h3', ssoKey: 'k3', keepPreviousUntil: 0 })).toBe(true);
      expect((await store.getTenant(id))?.ssoKeys).toEqual({ current: 'k3', previous: null, previousUntil: 0 });
      const rules = { write: 'sso-only', resolve: 'authors-and-moderators', presence: false, presenceNames: false, simpleSso: true, loginUrl: 'https://shop.example/login' } as const;
      expect(await store.setTenantRules(id, rules)).toBe(true);
      expect(await store.setTenantRules('nobody', rules)).toBe(false);
      expect((await store.getTenant(id))?.rules).toEqual(rules);
      expect((await store.listTenants()).find((t) => t.id === id)?.rules).toEqual(rules);
      await store.close();
    });
  });
}
