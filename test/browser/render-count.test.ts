/** Targeted rendering: with 200 markers on an image, a live change to one marker renders that marker only. */
import { assertEqual, markers, mount, otherClient, serverUrl, settled, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());

it('one update renders one marker out of 200', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('renders');
  const other = await otherClient(server, urlId);
  const ids: string[] = [];
  const writes: Promise<{ ok: boolean }>[] = [];
  for (let i = 0; i < 200; i += 1) {
    const chatId = crypto.randomUUID();
    const done = other.store.createChat((i % 20) / 20 + 0.025, Math.floor(i / 20) / 10 + 0.05, `marker ${i}`, chatId);
    ids.push(chatId);
    writes.push(done);
  }
  // Every marker must be stored, or the count below would wait for markers a limit refused.
  const outcomes = await Promise.all(writes);
  assertEqual(outcomes.filter((outcome) => !outcome.ok), [], 'refused writes');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => markers(element).length === 200, '200 markers');
  await settled(element);

  const before = new Map(markers(element).map((m) => [m.chat.id, m.renders]));
  const target = ids[117]!;
  await other.store.addComment(target, 'a live reply');
  await waitFor(() => element.store!.seq === 201, 'the update');
  await settled(element);
  const rendered = markers(element).filter((m) => m.renders !== before.get(m.chat.id)).map((m) => ({ id: m.chat.id, renders: m.renders - before.get(m.chat.id)! }));
  assertEqual(rendered, [{ id: target, renders: 1 }], 'markers rendered by one update');
  other.connection.close();
});
