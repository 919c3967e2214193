/**
 * The rows part of the store contract (issue 8): a write touches only its own rows (one comment row for a
 * comment, never the thread), the size counters equal the bytes a snapshot takes on the wire, the byte
 * budgets and count caps hold also for writes batched together, and a database from before comment rows
 * migrates with its conversations intact. Registered by `storeContract` for every backend.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { LIMITS, type Chat, type Comment, type ImageEvent, type ImageKey } from '../../shared/index.js';
import type { Actor, PlanLimits } from '../../server/core/plan.js';
import type { Store } from '../../server/store/types.js';
import { commentBytes, jsonBytes } from '../../server/core/wire-size.js';
import { imageKey, open, replay, sequenced, writeMessage, type StoreBackend, type StoreDatabase, type WriteFields } from './store-helpers.js';

const bob: Actor = { id: 'u2', name: 'Bob', moderator: false, mayResolveOthers: true };

type Row = Record<string, unknown>;

/** A string literal both SQLite and PostgreSQL read back exactly (standard quoting, no backslash escapes). */
const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

const sql = (key: ImageKey) => `tenant_id = ${literal(key.tenantId)} AND url_id = ${literal(key.urlId)}`;

async function chatRows(database: StoreDatabase, key: ImageKey): Promise<Row[]> {
  return database.query(`SELECT * FROM chats WHERE ${sql(key)} ORDER BY id`);
}

async function commentRows(database: StoreDatabase, key: ImageKey): Promise<Row[]> {
  return database.query(`SELECT * FROM comments WHERE ${sql(key)} ORDER BY chat_id, id`);
}

async function snapshotOf(store: Store, key: ImageKey): Promise<Chat[]> {
  const read = await store.read(key);
  if (!read.reset) throw new Error('expected a snapshot');
  return read.chats;
}

/** The stored counters must be the wire size of what a snapshot sends. */
async function expectSizesMatchWire(database: StoreDatabase, store: Store, key: ImageKey): Promise<void> {
  const chats = await snapshotOf(store, key);
  const stored = await database.query(`SELECT id, bytes FROM chats WHERE ${sql(key)} ORDER BY id`);
  const wire = chats.map((chat) => ({ id: chat.id, bytes: jsonBytes(chat) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  expect(stored).toEqual(wire);
  const [image] = await database.query(`SELECT bytes FROM images WHERE ${sql(key)}`);
  expect(image).toEqual({ bytes: wire.reduce((sum, chat) => sum + chat.bytes, 0) });
}

const limited = (overrides: Partial<PlanLimits>): PlanLimits => ({ ...LIMITS, ...overrides });

/** A comment's text that makes the comment exactly `bytes` on the wire (ASCII text, a 13-digit createdAt). */
function textOfSize(bytes: number, commentId: string, author: Actor): string {
  const empty: Comment = { id: commentId, author: { id: author.id, name: author.name }, text: '', createdAt: Date.now(), editedAt: null };
  return 'x'.repeat(bytes - commentBytes(empty));
}

export function storeRowsContract(backend: StoreBackend): void {
  describe('rows and byte budgets', () => {
    test('markers are numbered 1, 2, 3… in the order made; a number is kept when others go or it is resolved, and never given again', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const key = imageKey();
      const made: ImageEvent[] = [];
      for (const text of ['one', 'two', 'three']) made.push(sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text })));
      expect(made.map((event) => event.type === 'new-image-chat' && event.chat.number)).toEqual([1, 2, 3]);
      sequenced(await writeMessage(store, key, { type: 'delete-chat', chatId: made[1]!.chatId }));
      sequenced(await writeMessage(store, key, { type: 'resolve-chat', chatId: made[0]!.chatId, resolved: true }));
      const [fourth, fifth] = await Promise.all([0.1, 0.2].map((x) => writeMessage(store, key, { type: 'create-chat', x, y: 0.5, text: 'later' })));
      const numbers = [sequenced(fourth!), sequenced(fifth!)].map((event) => event.type === 'new-image-chat' && event.chat.number);
      expect(numbers.sort()).toEqual([4, 5]);
      const snapshot = await snapshotOf(store, key);
      expect(snapshot.map((chat) => chat.number).sort()).toEqual([1, 3, 4, 5]);
      expect(snapshot.find((chat) => chat.id === made[0]!.chatId)).toMatchObject({ number: 1, resolved: true });
      await expectSizesMatchWire(database, store, key);
    });

    test('an add-comment inserts one comment row; the chat row keeps its fields and no thread', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const key = imageKey();
      const chatId = randomUUID();
      const other = randomUUID();
      sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.25, y: 0.75, text: 'root' }));
      sequenced(await writeMessage(store, key, { type: 'create-chat', chatId: other, x: 0.5, y: 0.5, text: 'bystander' }));
      for (let i = 0; i < 40; i += 1) sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, text: `${i} ${'long text '.repeat(100)}` }));
      const [chatBefore] = (await chatRows(database, key)).filter((row) => row.id === chatId);
      const commentsBefore = await commentRows(database, key);

      const commentId = randomUUID();
      const added = sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, commentId, text: 'one more' }));
      const commentsAfter = await commentRows(database, key);
      expect(commentsAfter.filter((row) => row.id !== commentId)).toEqual(commentsBefore);
      expect(commentsAfter).toHaveLength(commentsBefore.length + 1);
      const [chatAfter] = (await chatRows(database, key)).filter((row) => row.id === chatId);
      const comment = added.type === 'image-chat-updated' ? added.comment! : null;
      expect(chatAfter).toEqual({
        ...chatBefore,
        comment_count: Number(chatBefore!.comment_count) + 1,
        next_ordinal: Number(chatBefore!.next_ordinal) + 1,
        bytes: Number(chatBefore!.bytes) + commentBytes(comment!) + 1,
      });
      // The chat's row stays small however long the thread (about 40 KB here).
      expect(JSON.stringify(chatAfter).length).toBeLessThan(400 + key.urlId.length);

      // An edit changes one comment row; a delete removes one; a move changes the chat row only.
      sequenced(await writeMessage(store, key, { type: 'edit-comment', chatId, commentId, text: 'edited' }));
      const edited = await commentRows(database, key);
      expect(edited.filter((row) => row.id !== commentId)).toEqual(commentsBefore);
      sequenced(await writeMessage(store, key, { type: 'move-chat', chatId, x: 0.1, y: 0.2 }));
      expect(await commentRows(database, key)).toEqual(edited);
      sequenced(await writeMessage(store, key, { type: 'delete-comment', chatId, commentId }));
      expect(await commentRows(database, key)).toEqual(commentsBefore);
      // Deleting the chat removes its row and its comments, and nothing of the other chat.
      sequenced(await writeMessage(store, key, { type: 'delete-chat', chatId }));
      expect((await chatRows(database, key)).map((row) => row.id)).toEqual([other]);
      expect((await commentRows(database, key)).map((row) => row.chat_id)).toEqual([other]);
      await expectSizesMatchWire(database, store, key);
      await store.close();
    });

    test('stored sizes are the bytes a snapshot takes on the wire, escapes included, also for batched writes', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const key = imageKey();
      const a = randomUUID();
      const b = randomUUID();
      const [c1, c2, c3] = [randomUUID(), randomUUID(), randomUUID()];
      const odd = `\u0001\u001f "quoted" \\ back ✓ 🎉 ${'\u0007'.repeat(30)}`;
      const steps: WriteFields[] = [
        { type: 'create-chat', chatId: a, commentId: c1, x: 0.1 + 0.2, y: 1, text: odd },
        { type: 'create-chat', chatId: b, x: 0, y: 1e-7, text: 'plain' },
        { type: 'add-comment', chatId: a, commentId: c2, text: odd.repeat(3) },
        { type: 'add-comment', chatId: a, commentId: c3, text: 'short' },
        { type: 'edit-comment', chatId: a, commentId: c2, text: 'shrunk' },
        { type: 'edit-comment', chatId: a, commentId: c3, text: odd.repeat(5) },
        { type: 'delete-comment', chatId: a, commentId: c2 },
        { type: 'move-chat', chatId: a, x: 0.123456789012345, y: 0.987654321 },
        { type: 'resolve-chat', chatId: b, resolved: true },
        { type: 'resolve-chat', chatId: a, resolved: true },
      ];
      for (const step of steps) sequenced(await writeMessage(store, key, step));
      await expectSizesMatchWire(database, store, key);
      // Issued together, so PostgreSQL plans them as one batch.
      const together = await Promise.all([
        writeMessage(store, key, { type: 'add-comment', chatId: b, text: odd }),
        writeMessage(store, key, { type: 'add-comment', chatId: b, commentId: c1, text: 'same id as in the other thread' }),
        writeMessage(store, key, { type: 'edit-comment', chatId: a, commentId: c3, text: '' }),
        writeMessage(store, key, { type: 'delete-chat', chatId: a }),
        writeMessage(store, key, { type: 'create-chat', chatId: a, commentId: c3, x: 0.5, y: 0.5, text: 'recreated' }),
        writeMessage(store, key, { type: 'edit-comment', chatId: a, commentId: c3, text: `again ${odd}` }),
      ]);
      expect(together.map((o) => o.ok)).toEqual([true, true, true, true, true, true]);
      await expectSizesMatchWire(database, store, key);
      const chats = await snapshotOf(store, key);
      expect(chats.find((chat) => chat.id === a)?.comments.map((c) => c.text)).toEqual([`again ${odd}`]);
      await store.close();
    });

    test('a marker deleted and made again under its id by another person in one batch is theirs, as the events say', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const chatId = randomUUID();
      const bob: Actor = { id: 'u-bob', name: 'Bob', moderator: false, mayResolveOthers: true };
      const first = sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.1, y: 0.1, text: 'Ann\'s' }));
      await new Promise((resolve) => setTimeout(resolve, 5)); // a later createdAt for the new marker
      // Issued together, so PostgreSQL plans them as one batch.
      const together = (await Promise.all([
        writeMessage(store, key, { type: 'resolve-chat', chatId, resolved: true }),
        writeMessage(store, key, { type: 'delete-chat', chatId }),
        writeMessage(store, key, { type: 'create-chat', chatId, x: 0.9, y: 0.9, text: 'Bob\'s' }, { actor: bob }),
      ])).map(sequenced);
      const snapshot = await snapshotOf(store, key);
      expect(snapshot).toEqual(replay([first, ...together]));
      expect(snapshot[0]).toMatchObject({ author: { id: 'u-bob', name: 'Bob' }, resolved: false });
      expect(sequenced(await writeMessage(store, key, { type: 'move-chat', chatId, x: 0.5, y: 0.5 }, { actor: bob })).seq).toBe(5);
      await store.close();
    });

    test('a thread is capped to the byte, counted as escaped on the wire; shrinking edits and deletes pass', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const limits = limited({ MAX_THREAD_BYTES: 2000 });
      const chatId = randomUUID();
      const created = sequenced(await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'root' }, { limits }));
      let bytes = created.type === 'new-image-chat' ? jsonBytes(created.chat) : 0;
      // 200 control characters are 200 bytes typed but 1,200 on the wire: the second such comment cannot fit.
      const escaped = '\u0001'.repeat(200);
      const first = randomUUID();
      sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, commentId: first, text: escaped }, { limits }));
      bytes += commentBytes({ id: first, author: { id: 'u1', name: 'Ann' }, text: escaped, createdAt: Date.now(), editedAt: null }) + 1;
      expect(await writeMessage(store, key, { type: 'add-comment', chatId, text: escaped }, { limits }))
        .toEqual({ ok: false, code: 'limit-reached', message: 'this thread is full (2000 bytes)' });
      // Exactly at the cap fits; one byte more does not.
      const fits = randomUUID();
      const text = textOfSize(2000 - bytes - 1, fits, { id: 'u1', name: 'Ann', moderator: false, mayResolveOthers: true });
      expect(await writeMessage(store, key, { type: 'add-comment', chatId, commentId: randomUUID(), text: `${text}x` }, { limits }))
        .toMatchObject({ ok: false, code: 'limit-reached' });
      sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, commentId: fits, text }, { limits }));
      expect(jsonBytes((await snapshotOf(store, key))[0])).toBe(2000);
      // A full thread: growing edits are refused, shrinking ones, moves, resolves and deletes pass.
      expect(await writeMessage(store, key, { type: 'edit-comment', chatId, commentId: fits, text: `${text}!` }, { limits }))
        .toMatchObject({ ok: false, code: 'limit-reached' });
      sequenced(await writeMessage(store, key, { type: 'resolve-chat', chatId, resolved: true }, { limits }));
      sequenced(await writeMessage(store, key, { type: 'edit-comment', chatId, commentId: first, text: 'short now' }, { limits }));
      sequenced(await writeMessage(store, key, { type: 'delete-comment', chatId, commentId: fits }, { limits }));
      sequenced(await writeMessage(store, key, { type: 'add-comment', chatId, text: 'room again' }, { limits }));
      await store.close();
    });

    test('an image is capped over all its threads; deleting a marker makes room', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const limits = limited({ MAX_IMAGE_BYTES: 3000 });
      const made: string[] = [];
      let refusal: unknown = null;
      for (let i = 0; i < 20 && !refusal; i += 1) {
        const chatId = randomUUID();
        const outcome = await writeMessage(store, key, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'y'.repeat(400) }, { limits });
        if (outcome.ok) made.push(chatId);
        else refusal = outcome;
      }
      expect(refusal).toEqual({ ok: false, code: 'limit-reached', message: 'this image holds at most 3000 bytes of conversation' });
      const chats = await snapshotOf(store, key);
      const total = chats.reduce((sum, chat) => sum + jsonBytes(chat), 0);
      expect(total).toBeLessThanOrEqual(3000);
      expect(total + jsonBytes(chats[0]!)).toBeGreaterThan(3000);
      expect(await writeMessage(store, key, { type: 'add-comment', chatId: made[0]!, text: 'y'.repeat(400) }, { limits })).toMatchObject({ code: 'limit-reached' });
      sequenced(await writeMessage(store, key, { type: 'delete-chat', chatId: made[0]! }, { limits }));
      sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'y'.repeat(400) }, { limits }));
      await store.close();
    });

    test('one person has at most MAX_CHATS_PER_PERSON_PER_IMAGE markers on an image, also when they arrive together', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const limits = limited({ MAX_CHATS_PER_PERSON_PER_IMAGE: 2 });
      const create = (actor?: Actor) => writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'm' }, { limits, actor });
      const together = await Promise.all([create(), create(), create(bob), create()]);
      expect(together.map((o) => (o.ok ? o.event.seq : o.code))).toEqual([1, 2, 3, 'limit-reached']);
      expect(together[3]).toEqual({ ok: false, code: 'limit-reached', message: 'one person may have at most 2 markers on an image' });
      // Another image is counted apart; a deleted marker no longer counts.
      expect(await writeMessage(store, imageKey(), { type: 'create-chat', x: 0.5, y: 0.5, text: 'm' }, { limits })).toMatchObject({ ok: true });
      const first = together[0]!.ok ? together[0]!.event.chatId : '';
      const again = await Promise.all([
        writeMessage(store, key, { type: 'delete-chat', chatId: first }, { limits }),
        create(),
        create(),
      ]);
      expect(again.map((o) => (o.ok ? o.event.seq : o.code))).toEqual([4, 5, 'limit-reached']);
      await store.close();
    });

    test('an image whose seq reached MAX_SEQ takes no more writes, deletes included', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const limits = limited({ MAX_SEQ: 3 });
      const chatId = randomUUID();
      const outcomes = await Promise.all([
        writeMessage(store, key, { type: 'create-chat', chatId, x: 0.5, y: 0.5, text: 'm' }, { limits }),
        writeMessage(store, key, { type: 'add-comment', chatId, text: 'two' }, { limits }),
        writeMessage(store, key, { type: 'add-comment', chatId, text: 'three' }, { limits }),
        writeMessage(store, key, { type: 'add-comment', chatId, text: 'four' }, { limits }),
        writeMessage(store, key, { type: 'delete-chat', chatId }, { limits }),
      ]);
      expect(outcomes.map((o) => (o.ok ? o.event.seq : o.code))).toEqual([1, 2, 3, 'limit-reached', 'limit-reached']);
      expect(await store.headSeq(key)).toBe(3);
      await store.close();
    });

    test('a database from before comment rows migrates: same snapshots, sizes computed, read-made image rows gone', async () => {
      const database = await backend.fresh();
      await database.migrateTo(2);
      const author = { id: 'u1', name: 'Ann' };
      const comment = (id: string, text: string, createdAt: number, editedAt: number | null = null): Comment => ({ id, author, text, createdAt, editedAt });
      const old: Chat[] = [
        { id: 'b-chat', number: 2, x: 0.1 + 0.2, y: 1, author, createdAt: 1000, resolved: false,
          comments: [comment('c1', 'first \u0001 "q" ✓', 1000), comment('c2', 'it\'s edited', 1001, 1500), comment('c3', '🎉', 1002)] },
        { id: 'a-chat', number: 1, x: 0.5, y: 0.5, author: { id: 'u2', name: 'Bob' }, createdAt: 1000, resolved: true, comments: [comment('d1', 'other', 1000)] },
      ];
      await database.query(`INSERT INTO tenants (id, name, origins, secret_hash, created_at) VALUES ('demo', 'Demo', '[]', 'h', 1)`);
      await database.query(`INSERT INTO images (tenant_id, url_id, seq, epoch, chat_count) VALUES ('demo', 'old''s image', 6, 'old-epoch', 2)`);
      await database.query(`INSERT INTO images (tenant_id, url_id, seq, epoch, chat_count) VALUES ('demo', 'only read', 0, 'read-epoch', 0)`);
      for (const chat of old) {
        // As stored then: no marker numbers (migration 8 gives them).
        const { number: _number, ...document } = chat;
        await database.query(`INSERT INTO chats (tenant_id, url_id, id, created_at, body) VALUES ('demo', 'old''s image', ${literal(chat.id)}, ${chat.createdAt}, ${literal(JSON.stringify(document))})`);
      }
      const store = await open(database);
      const key = { tenantId: 'demo', urlId: 'old\'s image' };
      // Same order as before: by creation, then id; each thread in its order; numbered in that order (migration 8).
      const read = await store.read(key);
      expect(read).toEqual({ reset: true, seq: 6, epoch: expect.any(String), chats: [old[1], old[0]] });
      // Migration 8 started a new epoch: a client resuming from before gets a snapshot, with the numbers.
      expect(read.epoch).not.toBe('old-epoch');
      expect(await store.read(key, 6, 'old-epoch')).toMatchObject({ reset: true, seq: 6 });
      expect(await store.read(key, 6, read.epoch)).toEqual({ reset: false, seq: 6, epoch: read.epoch, events: [] });
      await expectSizesMatchWire(database, store, key);
      expect(await database.query(`SELECT url_id FROM images ORDER BY url_id`)).toEqual([{ url_id: 'old\'s image' }]);
      // Writes go on where the old data left off, in thread order.
      const events: ImageEvent[] = [];
      events.push(sequenced(await writeMessage(store, key, { type: 'add-comment', chatId: 'b-chat', text: 'after the migration' })));
      events.push(sequenced(await writeMessage(store, key, { type: 'delete-comment', chatId: 'b-chat', commentId: 'c2' })));
      expect(await writeMessage(store, key, { type: 'delete-comment', chatId: 'b-chat', commentId: 'c1' })).toMatchObject({ ok: false, code: 'forbidden' });
      events.push(sequenced(await writeMessage(store, key, { type: 'edit-comment', chatId: 'b-chat', commentId: 'c3', text: 'edited later' })));
      expect(events.map((e) => e.seq)).toEqual([7, 8, 9]);
      expect(await snapshotOf(store, key)).toEqual(replay(events, [old[1]!, old[0]!]));
      await expectSizesMatchWire(database, store, key);
      await store.close();
    });
  });
}
