/**
 * Import through the store (server/core/chat-import.ts): a chat stored whole, with its thread, its ids,
 * authors, times, edits and resolved state, as a `new-image-chat` event under the image's next seq; the same
 * chat again stores nothing. Part of the store contract, so SQLite and PostgreSQL both hold it.
 */
import { describe, expect, test } from 'vitest';
import { CHAT_EXPORT_FORMAT, CHAT_EXPORT_VERSION, LIMITS, type Chat, type ChatExport } from '../../shared/index.js';
import { importChats } from '../../server/core/chat-import.js';
import { imageKey, open, sequenced, writeMessage, type StoreBackend } from './store-helpers.js';

const pat = { id: 'sso:42', name: 'Pat', avatar: 'https://example.com/pat.png' };
const kim = { id: 'u-kim', name: 'Kim' };

/** A chat as another server stored it: resolved, with an edited reply by someone else, all in the past. */
export const importedChat = (id: string, x = 0.25, number = 0): Chat => ({
  id, number, x, y: 0.75, author: { id: pat.id, name: pat.name }, createdAt: 1_700_000_000_000, resolved: true,
  comments: [
    { id: `${id}-k1`, author: pat, text: 'Is this wall load-bearing?', createdAt: 1_700_000_000_000, editedAt: null },
    { id: `${id}-k2`, author: kim, text: 'No, a partition.', createdAt: 1_700_000_100_000, editedAt: 1_700_000_200_000 },
  ],
});

const exportOf = (urlId: string, chats: Chat[]): ChatExport =>
  ({ format: CHAT_EXPORT_FORMAT, version: CHAT_EXPORT_VERSION, tenantId: 'elsewhere', exportedAt: '', images: [{ urlId, chats }] });

export function importContract(backend: StoreBackend): void {
  describe('import', () => {
    test('stores each chat whole under the image\'s next seq as new-image-chat; the same file again writes nothing', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'already here' }));
      const chats = [importedChat('c-a'), importedChat('c-b', 0.1)];
      const events: unknown[] = [];

      const first = await importChats(store, 'demo', exportOf(key.urlId, chats), LIMITS, (event) => events.push(event));
      expect(first).toEqual({ imported: 2, present: 0, refused: [] });
      // Chats from a file without numbers are numbered after the image's own marker.
      const numbered = chats.map((chat, i) => ({ ...chat, number: i + 2 }));
      expect(events).toEqual([
        expect.objectContaining({ type: 'new-image-chat', tenantId: 'demo', urlId: key.urlId, seq: 2, chatId: 'c-a', chat: numbered[0] }),
        expect.objectContaining({ type: 'new-image-chat', seq: 3, chatId: 'c-b', chat: numbered[1] }),
      ]);
      const read = await store.read(key);
      expect(read.seq).toBe(3);
      expect(read.reset && read.chats.filter((c) => c.id.startsWith('c-'))).toEqual(numbered);
      expect(await store.eventsBetween(key, 1, 3)).toEqual(events);

      expect(await importChats(store, 'demo', exportOf(key.urlId, chats), LIMITS, (event) => events.push(event))).toEqual({ imported: 0, present: 2, refused: [] });
      expect(events).toHaveLength(2);
      expect((await store.read(key)).seq).toBe(3);
    });

    test('imported markers keep their numbers on a fresh image; a number already given there is replaced by the next', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      await importChats(store, 'demo', exportOf(key.urlId, [importedChat('c-3', 0.1, 3), importedChat('c-7', 0.2, 7)]), LIMITS);
      const made = sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.5, y: 0.5, text: 'after the import' }));
      await importChats(store, 'demo', exportOf(key.urlId, [importedChat('c-late', 0.3, 2)]), LIMITS);
      const read = await store.read(key);
      expect(read.reset && read.chats.map((c) => [c.id, c.number]).sort()).toEqual([['c-3', 3], ['c-7', 7], ['c-late', 9], [made.chatId, 8]].sort());
    });

    test('an image\'s marker cap refuses the chats past it, and says which', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const report = await importChats(store, 'demo', exportOf(key.urlId, [importedChat('c-1'), importedChat('c-2')]), { ...LIMITS, MAX_CHATS_PER_IMAGE: 1 });
      expect(report).toEqual({ imported: 1, present: 0, refused: [{ urlId: key.urlId, chatId: 'c-2', code: 'limit-reached', message: 'an image holds at most 1 markers' }] });
    });
  });
}
