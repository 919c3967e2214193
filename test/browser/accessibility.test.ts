/**
 * Accessibility of the widget in use: focus after saving an edit, polite announcements of what others write,
 * and the language of the widget's own strings.
 */
import { sendKeys } from '@web/test-runner-commands';
import type { ImageChat } from '../../widget/image-chat.js';
import { assert, assertEqual, markerButton, mount, otherClient, serverUrl, settled, thread, threadTexts, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());

/** The element focused inside the widget, through its nested shadow roots. */
function focused(element: ImageChat): Element | null {
  let active = element.shadowRoot!.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/** The text of the widget's polite live region. */
function announced(element: ImageChat): string {
  const region = element.shadowRoot!.querySelector('[aria-live="polite"]');
  assert(region, 'the widget has a polite live region');
  return region.textContent ?? '';
}

it('saving an edit puts focus on that comment\'s Edit button, and Escape still closes the thread', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('edit-focus') });
  const { chatId } = await element.store!.createChat(0.4, 0.4, 'first words');
  await element.store!.addComment(chatId, 'a reply to edit');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const panel = thread(element)!;
  const reply = panel.shadowRoot!.querySelectorAll('li')[1]!;
  const commentId = reply.getAttribute('data-comment-id')!;
  reply.querySelector<HTMLButtonElement>('[data-action="edit"]')!.click();
  await settled(element);
  assertEqual(focused(element)?.getAttribute('name'), 'edit', 'the edit box has focus');
  await sendKeys({ type: ' (edited)' });
  await sendKeys({ press: 'Enter' });
  await settled(element);
  assertEqual(threadTexts(element), ['first words', 'a reply to edit (edited)'], 'the edit shows');
  const now = focused(element);
  assertEqual(now?.getAttribute('data-action'), 'edit', 'focus is on an Edit button');
  assertEqual(now?.closest('li')?.getAttribute('data-comment-id'), commentId, 'of the edited comment');

  await sendKeys({ press: 'Escape' });
  await settled(element);
  assertEqual(thread(element), null, 'Escape closed the thread');
  assertEqual(focused(element)?.getAttribute('data-chat-id'), chatId, 'focus is back on the marker');
});

it('cancelling an edit with Escape keeps focus in the thread, on the Edit button', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('edit-cancel') });
  const { chatId } = await element.store!.createChat(0.4, 0.4, 'first words');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  thread(element)!.shadowRoot!.querySelector<HTMLButtonElement>('[data-action="edit"]')!.click();
  await settled(element);
  await sendKeys({ press: 'Escape' });
  await settled(element);
  assert(thread(element), 'the first Escape only left the edit');
  assertEqual(focused(element)?.getAttribute('data-action'), 'edit', 'focus is on the Edit button');
  await sendKeys({ press: 'Escape' });
  await settled(element);
  assertEqual(thread(element), null, 'the second Escape closed the thread');
});

it('announces others\' replies and edits politely, each time, and not the reader\'s own', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('announce');
  const element = await mount({ server, 'url-id': urlId });
  const { chatId } = await element.store!.createChat(0.5, 0.5, 'mine');
  const other = await otherClient(server, urlId, 'Bob');
  await waitFor(() => other.store.chat(chatId) !== undefined, 'the other client to see the marker');
  await element.store!.addComment(chatId, 'my own reply');
  await settled(element);
  assertEqual(announced(element), '', 'the reader\'s own writes are not announced');

  const reply = await other.store.addComment(chatId, 'Bob says hi');
  assert(reply.ok, 'Bob replied');
  await waitFor(() => announced(element) === 'Bob replied on marker 1.', `the reply announced (now "${announced(element)}")`);
  const commentId = other.store.chat(chatId)!.comments.at(-1)!.id;
  await other.store.editComment(chatId, commentId, 'Bob says hello');
  await waitFor(() => announced(element) === 'Bob edited a comment on marker 1.', `the edit announced (now "${announced(element)}")`);
  await other.store.editComment(chatId, commentId, 'Bob says hello again');
  await waitFor(() => announced(element) === 'Bob edited a comment on marker 1.\u00a0', 'a second edit changes the region, to be spoken again');
  other.connection.close();
});

it('sets lang on its own strings: the locale it shows', async () => {
  const server = await serverUrl();
  const dutch = await mount({ server, 'url-id': uniqueId('lang'), locale: 'nl' });
  const root = dutch.shadowRoot!.querySelector('.root');
  assertEqual(root?.getAttribute('lang'), 'nl', 'Dutch strings are marked Dutch');
  assert(root?.contains(dutch.shadowRoot!.querySelector('.bar')), 'the bar is inside it');
  dutch.locale = 'en-GB';
  await settled(dutch);
  assertEqual(root?.getAttribute('lang'), 'en', 'then English');
});
