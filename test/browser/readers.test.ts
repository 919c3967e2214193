/**
 * Readers' rough edges (issue 12, items 8 and 10): a guest who only replies can name themselves, and the name is
 * remembered; deleting one's marker that others replied to asks first and says how many replies go; the text
 * of a new marker the server refuses comes back in the composer.
 */
import { assert, assertEqual, clickImageAt, markerButton, mount, otherClient, serverUrl, settled, submitComposer, thread, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());

it('a guest who only replies names themselves in the reply form, and the name is remembered', async () => {
  localStorage.removeItem('image-chat:name');
  const server = await serverUrl();
  const urlId = uniqueId('reply-name');
  const other = await otherClient(server, urlId, 'Otto');
  const made = await other.store.createChat(0.5, 0.5, 'what do you think?');
  assert(made.ok, 'the marker stored');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => element.store?.chat(made.chatId) !== undefined, 'the marker');
  await settled(element);
  markerButton(element, made.chatId)!.click();
  await settled(element);
  const form = thread(element)!.shadowRoot!.querySelector<HTMLFormElement>('form[part="composer"]')!;
  const name = form.querySelector<HTMLInputElement>('input[name="name"]');
  assert(name, 'the reply form asks a guest for a name');
  assertEqual(name.labels?.[0]?.textContent, 'Your name', 'labelled');
  name.value = 'Rita';
  form.querySelector('textarea')!.value = 'looks good';
  form.requestSubmit();
  await waitFor(() => other.store.chat(made.chatId)?.comments.length === 2, 'the reply to reach the other viewer');
  assertEqual(other.store.chat(made.chatId)!.comments[1]!.author.name, 'Rita', 'the reply carries the name given');
  assertEqual(localStorage.getItem('image-chat:name'), 'Rita', 'remembered for later pages');
  other.connection.close();
});

it('deleting one\'s own marker that others replied to asks first, saying how many replies go', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('confirm-own');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId, 'Otto');
  clickImageAt(element, 0.4, 0.4);
  await submitComposer(element, 'mine');
  await waitFor(() => element.store!.seq === 1, 'my marker');
  const chatId = element.store!.chats[0]!.id;
  await other.store.addComment(chatId, 'a reply by Otto');
  await other.store.addComment(chatId, 'and another');
  await waitFor(() => element.store!.seq === 3, 'the replies');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const root = thread(element)!.shadowRoot!;
  root.querySelector<HTMLButtonElement>('.foot [data-action="delete-chat"]')!.click();
  await thread(element)!.updateComplete;
  assertEqual(root.querySelector('[part="confirm"] p')!.textContent, `Delete marker 1 by ${element.store!.chats[0]!.author.name} and its 2 replies?`, 'asks, with the count');
  root.querySelector<HTMLButtonElement>('[data-action="cancel-delete"]')!.click();
  await settled(element);
  assert(element.store!.chat(chatId), 'cancel keeps it');
  root.querySelector<HTMLButtonElement>('.foot [data-action="delete-chat"]')!.click();
  await thread(element)!.updateComplete;
  root.querySelector<HTMLButtonElement>('[data-action="confirm-delete"]')!.click();
  await waitFor(() => other.store.chat(chatId) === undefined, 'deleted after the confirmation');
  other.connection.close();
});

it('a new marker the server refuses gives its text back in the composer', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('refused');
  const other = await otherClient(server, urlId, 'Filler');
  // The image holds at most 500 markers (MAX_CHATS_PER_IMAGE): another viewer fills it, so the server refuses the next.
  for (let batch = 0; batch < 5; batch += 1) {
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_v, i) => other.store.createChat(((batch * 100 + i) % 97) / 100, 0.5, `filler ${batch * 100 + i}`)));
    assert(outcomes.every((outcome) => outcome.ok), 'the fillers stored');
  }
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => element.store?.chats.length === 500, 'the full image');
  clickImageAt(element, 0.5, 0.9);
  await submitComposer(element, 'words I typed with care');
  await waitFor(() => element.shadowRoot!.querySelector('[part="notice"]') !== null, 'the refusal shown');
  await settled(element);
  const field = element.shadowRoot!.querySelector<HTMLTextAreaElement>('.composer textarea');
  assert(field, 'the composer is back');
  assertEqual(field.value, 'words I typed with care', 'with the text');
  other.connection.close();
});
