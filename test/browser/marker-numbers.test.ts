/**
 * Marker numbers come from the server (issue 12, item 9): every viewer sees the same number on a marker, a
 * marker keeps its number when another is deleted or it is resolved, and a number is never given twice.
 */
import { assert, assertEqual, markerButton, mount, otherClient, serverUrl, settled, thread, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());

const shown = (element: HTMLElement, chatId: string) => markerButton(element as never, chatId)!.textContent!.trim();

it('keeps each marker\'s number through deletes and resolving, the same in every viewer', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('numbers');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId, 'Otto');
  const ids: string[] = [];
  for (const text of ['one', 'two', 'three']) {
    const outcome = await other.store.createChat(0.2 + ids.length * 0.2, 0.5, text);
    assert(outcome.ok, `marker ${text} stored`);
    ids.push(outcome.chatId);
  }
  await waitFor(() => element.store!.seq === 3, 'three markers');
  await settled(element);
  assertEqual(ids.map((id) => shown(element, id)), ['1', '2', '3'], 'numbered in the order made');

  await other.store.deleteChat(ids[1]!);
  await other.store.resolveChat(ids[0]!, true);
  const fourth = await other.store.createChat(0.9, 0.9, 'four');
  assert(fourth.ok, 'the fourth stored');
  await waitFor(() => element.store!.seq === 6, 'the delete, the resolve and the fourth');
  await settled(element);
  assertEqual([ids[0]!, ids[2]!, fourth.chatId].map((id) => shown(element, id)), ['1', '3', '4'], 'kept, and 2 not given again');
  assert(markerButton(element, ids[0]!)!.classList.contains('resolved'), 'the resolved one in its style, with its number');
  assertEqual(markerButton(element, ids[2]!)!.getAttribute('aria-label'), 'Marker 3 by Otto: three', 'the label names the number');
  assertEqual(other.store.chat(ids[2]!)?.number, 3, 'the other viewer has the same number');

  markerButton(element, ids[2]!)!.click();
  await settled(element);
  assertEqual(thread(element)!.shadowRoot!.querySelector('h2')!.textContent, 'Marker 3', 'the thread is titled by it');
  other.connection.close();
});
