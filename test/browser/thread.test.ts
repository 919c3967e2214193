/** The thread's own actions: edit and delete of one's own comments only, resolve and reopen, and delete of the marker. */
import {
  assert, assertEqual, clickImageAt, markerButton, markers, mount, otherClient, serverUrl, settled, submitComposer,
  thread, threadTexts, uniqueId, unmountAll, waitFor,
} from './helpers.js';

afterEach(() => unmountAll());

it('edits and deletes one\'s own comments, resolves and reopens, and deletes one\'s own marker', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('thread');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId, 'Otto');
  clickImageAt(element, 0.3, 0.3);
  await submitComposer(element, 'first');
  await waitFor(() => element.store!.seq === 1, 'the marker');
  const chatId = element.store!.chats[0]!.id;
  await other.store.addComment(chatId, 'not yours');
  await waitFor(() => element.store!.seq === 2, 'the other reply');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const root = () => thread(element)!.shadowRoot!;
  const reply = root().querySelector<HTMLFormElement>('form[part="composer"]')!;
  reply.querySelector('textarea')!.value = 'mine to change';
  reply.requestSubmit();
  await waitFor(() => element.store!.seq === 3, 'my reply');
  await settled(element);

  const actions = (index: number) => [...root().querySelectorAll('li')[index]!.querySelectorAll('[data-action]')].map((b) => b.getAttribute('data-action'));
  assertEqual([actions(0), actions(1), actions(2)], [['edit'], [], ['edit', 'delete-comment']], 'own comments only; the first cannot be deleted');

  root().querySelectorAll('li')[2]!.querySelector<HTMLButtonElement>('[data-action="edit"]')!.click();
  await settled(element);
  const edit = root().querySelector<HTMLFormElement>('li form')!;
  edit.querySelector('textarea')!.value = 'changed';
  edit.requestSubmit();
  await waitFor(() => other.store.chat(chatId)?.comments[2]?.text === 'changed', 'the edit to reach the other client');
  await settled(element);
  assertEqual(threadTexts(element), ['first', 'not yours', 'changed'], 'edited');
  assert(root().querySelectorAll('li')[2]!.textContent!.includes('(edited)'), 'marked as edited');

  root().querySelectorAll('li')[2]!.querySelector<HTMLButtonElement>('[data-action="delete-comment"]')!.click();
  await waitFor(() => other.store.chat(chatId)?.comments.length === 2, 'the deletion to reach the other client');

  root().querySelector<HTMLButtonElement>('[data-action="resolve"]')!.click();
  await waitFor(() => other.store.chat(chatId)?.resolved === true, 'resolved');
  await settled(element);
  assertEqual(root().querySelector('[data-action="resolve"]')!.textContent, 'Reopen', 'the button now reopens');
  assertEqual(markerButton(element, chatId)!.textContent, '1', 'a resolved marker keeps its number');
  assert(markerButton(element, chatId)!.classList.contains('resolved'), 'in the resolved style');
  root().querySelector<HTMLButtonElement>('[data-action="resolve"]')!.click();
  await waitFor(() => other.store.chat(chatId)?.resolved === false, 'reopened');

  root().querySelector<HTMLButtonElement>('[data-action="delete-chat"]')!.click();
  // Otto replied to it: asked first (readers.test.ts has the wording).
  await thread(element)!.updateComplete;
  root().querySelector<HTMLButtonElement>('[data-action="confirm-delete"]')!.click();
  await waitFor(() => other.store.chat(chatId) === undefined, 'the marker deleted for the other client');
  await settled(element);
  assertEqual(markers(element).length, 0, 'gone here too');
  assertEqual(thread(element), null, 'the thread closed');
  other.connection.close();
});

it('another person\'s marker offers no delete or move, but resolve', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('theirs');
  const other = await otherClient(server, urlId, 'Otto');
  const { chatId } = await other.store.createChat(0.6, 0.6, 'theirs');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => markers(element).length === 1, 'their marker');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const root = thread(element)!.shadowRoot!;
  assertEqual([...root.querySelectorAll('[data-action]')].map((b) => b.getAttribute('data-action')), ['resolve', 'close'], 'actions on another person\'s marker');
  assertEqual(markers(element)[0]!.movable, false, 'not draggable');
  other.connection.close();
});
