/** Optimistic writes through the element: pending then confirmed, rollback on a server error, echoes and others' events. */
import {
  assert, assertEqual, clickImageAt, marker, markerButton, markers, mount, otherClient, serverUrl, settled,
  submitComposer, thread, threadTexts, uniqueId, unmountAll, waitFor,
} from './helpers.js';

afterEach(() => unmountAll());

it('create flow: the marker shows at once as pending, then the ack confirms it', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('create') });
  clickImageAt(element, 0.4, 0.6);
  await submitComposer(element, 'Is this wall load-bearing?');
  // The write is applied before any answer could arrive (an answer needs a network round trip).
  await settled(element);
  const [only] = markers(element);
  assert(only, 'the optimistic marker');
  const button = only.shadowRoot!.querySelector('button')!;
  assertEqual(button.getAttribute('part'), 'marker pending', 'part while unacknowledged');
  assert(element.store!.isPending(only.chat.id), 'the store marks it pending');
  assertEqual(element.shadowRoot!.querySelector('.count')?.textContent, '1 marker', 'count');

  await waitFor(() => !element.store!.isPending(only.chat.id), 'the ack');
  await settled(element);
  assertEqual(button.getAttribute('part'), 'marker', 'part once acknowledged');
  assertEqual(element.store!.confirmedChats().map((c) => c.comments[0]?.text), ['Is this wall load-bearing?'], 'the server\'s copy');
  assert(button.getAttribute('aria-label')?.startsWith('Marker 1 by '), 'the marker is labelled');
});

it('a write the server refuses is rolled back and the widget says why', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('rollback');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId);
  // The test server allows 6 comments per thread: fill one up.
  const { chatId } = await other.store.createChat(0.5, 0.5, 'c1');
  for (const text of ['c2', 'c3', 'c4', 'c5', 'c6']) await other.store.addComment(chatId, text);
  await waitFor(() => element.store!.chat(chatId)?.comments.length === 6, 'the full thread');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const form = thread(element)!.shadowRoot!.querySelector<HTMLFormElement>('form[part="composer"]')!;
  form.querySelector('textarea')!.value = 'one too many';
  form.requestSubmit();
  await settled(element);
  assertEqual(threadTexts(element).at(-1), 'one too many', 'the reply shows at once');
  await waitFor(() => element.shadowRoot!.querySelector('[part="notice"]') !== null, 'the notice');
  await settled(element);
  assertEqual(element.shadowRoot!.querySelector('[part="notice"]')!.textContent, 'Limit reached: a thread holds at most 6 comments.', 'notice text');
  assertEqual(threadTexts(element), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'], 'rolled back');
  assertEqual(form.querySelector('textarea')!.value, 'one too many', 'the draft is kept');
  other.connection.close();
});

it('the own echo is not applied again, and another client\'s events are applied', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('echo');
  const element = await mount({ server, 'url-id': urlId });
  const store = element.store!;
  clickImageAt(element, 0.2, 0.2);
  await submitComposer(element, 'mine');
  await waitFor(() => store.seq === 1 && !store.isPending(store.chats[0]!.id), 'ack and echo of the marker');
  const chatId = store.chats[0]!.id;
  markerButton(element, chatId)!.click();
  await settled(element);
  const form = thread(element)!.shadowRoot!.querySelector<HTMLFormElement>('form[part="composer"]')!;
  form.querySelector('textarea')!.value = 'my reply';
  form.requestSubmit();
  await waitFor(() => store.seq === 2 && !store.isPending(chatId), 'ack and echo of the reply');
  await settled(element);
  assertEqual(markers(element).length, 1, 'one marker, not two');
  assertEqual(threadTexts(element), ['mine', 'my reply'], 'each comment once');

  const other = await otherClient(server, urlId, 'Bea');
  await other.store.addComment(chatId, 'from another tab');
  const theirs = crypto.randomUUID();
  void other.store.createChat(0.8, 0.8, 'their marker', theirs);
  await waitFor(() => store.seq === 4, 'the other client\'s events');
  await settled(element);
  assertEqual(threadTexts(element), ['mine', 'my reply', 'from another tab'], 'their reply is applied');
  assertEqual(markers(element).length, 2, 'their marker is applied');
  assert(marker(element, theirs)!.shadowRoot!.querySelector('button.fresh'), 'a marker that arrived live is highlighted');
  assertEqual(element.shadowRoot!.querySelector('[aria-live="polite"]')?.textContent, 'New marker 2 by Bea.', 'and announced');
  assertEqual(element.shadowRoot!.querySelector('.count')?.textContent, '2 markers', 'count');
  other.connection.close();
});

it('two widgets of the same image share its store: a marker added in one shows in the other at once', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('twice');
  const one = await mount({ server, 'url-id': urlId });
  const two = await mount({ server, 'url-id': urlId, style: 'width: 200px' });
  assert(one.store === two.store, 'one store for one image');
  clickImageAt(one, 0.5, 0.5);
  await submitComposer(one, 'seen twice');
  await settled(two);
  assertEqual(markers(two).map((m) => m.chat.comments[0]?.text), ['seen twice'], 'the other widget shows it, pending');
  await waitFor(() => !one.store!.isPending(markers(two)[0]!.chat.id), 'the ack');
  one.remove();
  await new Promise((resolve) => setTimeout(resolve, 1500)); // past the shared sockets' linger time (LINGER_MS)
  const other = await otherClient(server, urlId);
  await other.store.createChat(0.1, 0.1, 'after the first widget left');
  await waitFor(() => two.store!.seq === 2, 'the remaining widget to stay subscribed');
  assertEqual(two.connectionState, 'live', 'still live');
  other.connection.close();
});
