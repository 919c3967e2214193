/**
 * Odd but accepted text goes into SQLite and PostgreSQL and comes back the same; what neither can hold
 * exactly (NUL, lone surrogates, a `since` past a 32-bit integer) is refused by the validator, never answered
 * `unavailable`. Every input goes through the validator first, as a frame from a client does.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LIMITS, validateClientMessage, type Chat, type ClientMessage, type WriteMessage } from '../../shared/index.js';
import { SqliteWorkerStore } from '../../server/store/sqlite-worker-store.js';
import { PostgresStore } from '../../server/store/postgres.js';
import { MemoryBus } from '../../server/bus/memory.js';
import { ChatService } from '../../server/core/service.js';
import type { Store } from '../../server/store/types.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.mjs';

/** Strings a stranger (or an unlucky person) sends as text, names and image ids. */
const ODD: Record<string, string> = {
  nul: 'before\u0000after',
  controls: `${'\u0001'.repeat(50)}visible\u001b[31m\u007f\u0085`,
  'lone high surrogate': 'x\ud800y',
  'lone low surrogate': '\udc00y',
  'surrogate pair': 'smile \ud83d\ude00 and \u{1f1f3}\u{1f1f1}',
  'decomposed accents': 'cafe\u0301 nai\u0308ve',
  'bidi override': '\u202egnp.exe\u202c and \u2066isolate\u2069',
  'zero width': 'a\u200bb\u200dc\ufeff',
  'line and paragraph separators': 'one\u2028two\u2029three',
  noncharacters: 'end \uffff \ufffe',
  'escapes that look like JSON': '\\u0000 \\ud800 "quoted" \\" </script><b>bold</b>',
  'carriage returns': 'a\r\nb\rc',
  'astral at the length limit': '\u{1d49c}'.repeat(LIMITS.MAX_TEXT_LENGTH / 2),
  'percent-encoded and unicode url': 'https://例え.jp/画像%00.png?q=\u00e9#frag',
};

interface Opened { name: string; store: Store; service: ChatService }

let postgres: PostgresServer;
const dirs: string[] = [];
const opened: Opened[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  const dir = makeTempDir();
  dirs.push(dir);
  // SQLite as a node runs it: in its worker thread, every string crossing to it and back.
  const sqlite = new SqliteWorkerStore({ path: join(dir, 'odd.db'), eventLogKeep: 1000 });
  const pgStore = new PostgresStore({ url: await postgres.createDatabase(`odd_${randomUUID().replace(/-/g, '')}`), eventLogKeep: 1000 });
  for (const [name, store] of [['sqlite', sqlite], ['postgres', pgStore]] as const) {
    await store.init();
    await store.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
    opened.push({ name, store, service: new ChatService(store, new MemoryBus(), { ...LIMITS }) });
  }
});

afterAll(async () => {
  for (const { store } of opened) await store.close();
  await postgres?.stop();
  dirs.forEach(removeDir);
});

const validated = (frame: Record<string, unknown>): ClientMessage | null => {
  const result = validateClientMessage(frame);
  return result.ok ? result.message : null;
};

/** Writes a create-chat as `name` to a fresh image in every store; the snapshots they answer with. */
async function roundTrip(urlId: string, text: string, name: string): Promise<Chat[][]> {
  const message = validated({ type: 'create-chat', broadcastId: randomUUID(), tenantId: 'demo', urlId, x: 0.25, y: 0.75, text, chatId: 'c-1', commentId: 'm-1' });
  if (!message) throw new Error('test input refused');
  const snapshots: Chat[][] = [];
  for (const { name: store, service } of opened) {
    const outcome = await service.write(message as WriteMessage, { id: 'u-1', name, moderator: false, mayResolveOthers: true });
    if (!outcome.ok) throw new Error(`${store} refused: ${outcome.code} ${outcome.message}`);
    const read = await service.read({ tenantId: 'demo', urlId });
    if (!read.reset) throw new Error('expected a snapshot');
    snapshots.push(read.chats);
  }
  return snapshots;
}

/** Only what the client sent and the server derived from it: times differ between stores. */
const content = (chats: Chat[]) => chats.map((chat) => ({ id: chat.id, x: chat.x, y: chat.y, author: chat.author, comments: chat.comments.map((c) => ({ id: c.id, author: c.author, text: c.text })) }));

describe('comment text', () => {
  for (const [label, raw] of Object.entries(ODD)) {
    test(label, async () => {
      const message = validated({ type: 'add-comment', broadcastId: 'b', tenantId: 'demo', urlId: 'i', chatId: 'c', text: raw });
      if (!message || message.type !== 'add-comment') {
        // Refused by the validator (lone surrogates): the same rule the widget applies before sending.
        expect(validateClientMessage({ type: 'add-comment', broadcastId: 'b', tenantId: 'demo', urlId: 'i', chatId: 'c', text: raw })).toMatchObject({ ok: false, code: 'invalid-field' });
        return;
      }
      const [sqlite, pgChats] = await roundTrip(`text-${randomUUID()}`, raw, 'Ann');
      expect(sqlite![0]!.comments[0]!.text).toBe(message.text);
      expect(content(pgChats!)).toEqual(content(sqlite!));
    });
  }
});

describe('display names', () => {
  for (const [label, raw] of Object.entries(ODD)) {
    test(label, async () => {
      const hello = validated({ type: 'hello', name: raw.slice(0, LIMITS.MAX_NAME_LENGTH) });
      if (!hello || hello.type !== 'hello') return expect(raw).toMatch(/[\ud800-\udfff]/);
      const name = hello.name || 'Guest';
      const [sqlite, pgChats] = await roundTrip(`name-${randomUUID()}`, 'hello', name);
      expect(sqlite![0]!.author.name).toBe(name);
      expect(content(pgChats!)).toEqual(content(sqlite!));
    });
  }
});

describe('image ids', () => {
  for (const [label, raw] of Object.entries(ODD)) {
    test(label, async () => {
      const subscribe = validated({ type: 'subscribe', tenantId: 'demo', urlId: raw });
      if (!subscribe || subscribe.type !== 'subscribe') return expect(raw).toMatch(/[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/);
      const [sqlite, pgChats] = await roundTrip(subscribe.urlId, 'on an odd image', 'Ann');
      expect(sqlite).toHaveLength(1);
      expect(content(pgChats!)).toEqual(content(sqlite!));
    });
  }
});

describe('seq ranges', () => {
  test('a since past 2^31 - 1 is refused by the validator', () => {
    expect(validateClientMessage({ type: 'subscribe', tenantId: 'demo', urlId: 'i', since: 2 ** 31 })).toMatchObject({ ok: false, code: 'invalid-field' });
  });

  test('every store answers a since it cannot have with a snapshot, never an error', async () => {
    for (const { store } of opened) {
      const key = { tenantId: 'demo', urlId: `since-${randomUUID()}` };
      const first = await store.read(key);
      for (const since of [LIMITS.MAX_SEQ, 2 ** 31, 2 ** 53 - 1]) {
        await expect(store.read(key, since, first.epoch)).resolves.toMatchObject({ reset: true, seq: 0 });
      }
    }
  });
});
