/** A marker's preview on hover and keyboard focus: the first comment as text, and the number of replies. */
import { sendKeys, sendMouse, resetMouse } from '@web/test-runner-commands';
import type { ImageChat } from '../../widget/image-chat.js';
import { assert, assertEqual, markerButton, mount, otherClient, serverUrl, settled, thread, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(async () => {
  await resetMouse();
  unmountAll();
});

const HOSTILE = '<img src=x onerror="window.previewHacked=1"> <b>not bold</b>\nsecond line';

function preview(element: ImageChat, chatId: string): HTMLElement | null {
  return element.shadowRoot!.querySelector(`chat-marker[data-chat-id="${chatId}"]`)!.shadowRoot!.querySelector('[part="preview"]');
}

const shown = (element: ImageChat, chatId: string): boolean => {
  const box = preview(element, chatId);
  return box !== null && getComputedStyle(box).display !== 'none' && box.getBoundingClientRect().height > 0;
};

async function markerWithReplies(): Promise<{ element: ImageChat; chatId: string; close(): void }> {
  const server = await serverUrl();
  const urlId = uniqueId('preview');
  const other = await otherClient(server, urlId, 'Ann <i>the</i> author');
  const { chatId } = await other.store.createChat(0.5, 0.6, HOSTILE);
  await other.store.addComment(chatId, 'one');
  await other.store.addComment(chatId, 'two');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => element.store!.chat(chatId)?.comments.length === 3, 'the marker and its replies');
  await settled(element);
  return { element, chatId, close: () => other.connection.close() };
}

it('shows the first comment as written (as text) and the reply count while the pointer hovers the marker', async () => {
  const { element, chatId, close } = await markerWithReplies();
  assert(!shown(element, chatId), 'no preview before hovering');
  const box = markerButton(element, chatId)!.getBoundingClientRect();
  await sendMouse({ type: 'move', position: [Math.round(box.left + box.width / 2), Math.round(box.top + box.height / 2)] });
  await waitFor(() => shown(element, chatId), 'the preview on hover');
  const box2 = preview(element, chatId)!;
  assertEqual(box2.querySelector('.preview-author')?.textContent, 'Ann <i>the</i> author', 'the author, as text');
  assertEqual(box2.querySelector('.preview-text')?.textContent, HOSTILE, 'the first comment, as written');
  assertEqual(box2.querySelector('.preview-count')?.textContent, '2 replies', 'the reply count');
  assertEqual(box2.querySelectorAll('img, b, i').length, 0, 'no element made from user text');
  assertEqual((window as { previewHacked?: number }).previewHacked, undefined, 'no script ran');
  assert(box2.getBoundingClientRect().bottom <= box.top + 1, 'above the marker');

  await sendMouse({ type: 'move', position: [5, 5] });
  await waitFor(() => !shown(element, chatId), 'the preview gone when the pointer leaves');
  close();
});

it('shows on keyboard focus, hides on Escape, and not while the thread is open', async () => {
  const { element, chatId, close } = await markerWithReplies();
  element.shadowRoot!.querySelector<HTMLElement>('.layer')!.focus();
  await sendKeys({ press: 'Tab' });
  await settled(element);
  assert(shown(element, chatId), 'the preview shows on keyboard focus');
  await sendKeys({ press: 'Escape' });
  await settled(element);
  assert(!shown(element, chatId), 'Escape dismissed it');
  await sendKeys({ press: 'Enter' });
  await settled(element);
  assert(thread(element), 'Enter opened the thread');
  assertEqual(preview(element, chatId), null, 'no preview beside its open thread');
  close();
});
