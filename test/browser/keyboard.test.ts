/** Keyboard use: Tab order, Enter opens a thread, Escape closes it and returns focus, and a crosshair adds markers. */
import { sendKeys } from '@web/test-runner-commands';
import type { ImageChat } from '../../widget/image-chat.js';
import { assert, assertEqual, markers, mount, otherClient, serverUrl, settled, thread, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());

/** The element focused inside the widget, through its nested shadow roots. */
function focused(element: ImageChat): Element | null {
  let active = element.shadowRoot!.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

it('Tab reaches the markers in order; Enter opens a thread, Escape closes it and returns focus to its marker', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('keys');
  const other = await otherClient(server, urlId, 'Kim');
  const first = await other.store.createChat(0.8, 0.2, 'first');
  const second = await other.store.createChat(0.2, 0.8, 'second');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => markers(element).length === 2, 'two markers');
  await settled(element);

  element.shadowRoot!.querySelector<HTMLElement>('.layer')!.focus();
  await sendKeys({ press: 'Tab' });
  assertEqual(focused(element)?.getAttribute('data-chat-id'), first.chatId, 'Tab reaches marker 1');
  await sendKeys({ press: 'Tab' });
  assertEqual(focused(element)?.getAttribute('data-chat-id'), second.chatId, 'then marker 2');

  await sendKeys({ press: 'Enter' });
  await settled(element);
  const panel = thread(element)?.shadowRoot?.querySelector('[part="thread"]');
  assert(panel, 'Enter opened the thread');
  assertEqual(panel.getAttribute('data-chat-id'), second.chatId, 'the thread of that marker');
  assertEqual(focused(element), panel, 'focus moved into the thread');
  assertEqual(focused(element)?.closest('[role="dialog"]')?.getAttribute('aria-labelledby'), 'title', 'the thread is a labelled dialog');

  await sendKeys({ press: 'Escape' });
  await settled(element);
  assertEqual(thread(element), null, 'Escape closed the thread');
  assertEqual(focused(element)?.getAttribute('data-chat-id'), second.chatId, 'focus is back on the marker');
  assertEqual(focused(element)?.getAttribute('aria-expanded'), 'false', 'the marker says it is closed');
  other.connection.close();
});

it('adds a marker with the keyboard: Enter on the image shows a crosshair, arrows move it, Enter places it', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('crosshair') });
  element.shadowRoot!.querySelector<HTMLElement>('.layer')!.focus();
  await sendKeys({ press: 'Enter' });
  await settled(element);
  assert(element.shadowRoot!.querySelector('.crosshair'), 'the crosshair shows');
  for (let i = 0; i < 5; i += 1) await sendKeys({ press: 'ArrowRight' });
  await sendKeys({ down: 'Shift' });
  await sendKeys({ press: 'ArrowUp' });
  await sendKeys({ up: 'Shift' });
  await sendKeys({ press: 'Enter' });
  await settled(element);
  assertEqual(focused(element)?.getAttribute('name'), 'text', 'the composer\'s text box has focus');
  await sendKeys({ type: 'typed without a mouse' });
  await sendKeys({ press: 'Enter' });
  await waitFor(() => element.store!.seq === 1, 'the new marker');
  const chat = element.store!.chats[0]!;
  assert(Math.abs(chat.x - 0.6) < 1e-9 && Math.abs(chat.y - 0.4) < 1e-9, `placed at the crosshair (${chat.x}, ${chat.y})`);
  assertEqual(chat.comments[0]?.text, 'typed without a mouse', 'with the typed text');
  await settled(element);
  assertEqual(focused(element)?.getAttribute('data-chat-id'), chat.id, 'focus is on the new marker');
});

it('moves one\'s own marker with the keyboard: Move in the thread, arrows, Enter', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('move');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId);
  element.shadowRoot!.querySelector<HTMLElement>('.layer')!.focus();
  await sendKeys({ press: 'Enter' });
  await sendKeys({ press: 'Enter' });
  await settled(element);
  await sendKeys({ type: 'move me' });
  await sendKeys({ press: 'Enter' });
  await waitFor(() => element.store!.seq === 1, 'the marker at the centre');
  const chatId = element.store!.chats[0]!.id;
  await settled(element);
  await sendKeys({ press: 'Enter' }); // focus is on the new marker: open its thread
  await settled(element);
  thread(element)!.shadowRoot!.querySelector<HTMLButtonElement>('[data-action="move"]')!.click();
  await settled(element);
  assert(element.shadowRoot!.querySelector('.crosshair'), 'the crosshair shows at the marker');
  for (let i = 0; i < 3; i += 1) await sendKeys({ press: 'ArrowDown' });
  await sendKeys({ press: 'Enter' });
  await waitFor(() => other.store.seq === 2, 'the move to reach another client');
  const moved = other.store.chat(chatId)!;
  assert(Math.abs(moved.x - 0.5) < 1e-9 && Math.abs(moved.y - 0.56) < 1e-9, `moved to (${moved.x}, ${moved.y})`);
  await settled(element);
  assertEqual(focused(element)?.getAttribute('data-chat-id'), chatId, 'focus is back on the moved marker');
  other.connection.close();
});
