/** The thread places itself inside the viewport; on narrow screens it is a full-width bottom sheet. */
import { setViewport } from '@web/test-runner-commands';
import { assert, assertEqual, markerButton, mount, otherClient, serverUrl, settled, thread, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());
after(async () => { await setViewport({ width: 1024, height: 768 }); });

it('opens the thread beside its marker and inside the viewport, flipping to the left near the right edge', async () => {
  await setViewport({ width: 1024, height: 700 });
  const server = await serverUrl();
  const urlId = uniqueId('layout');
  const element = await mount({ server, 'url-id': urlId, style: 'position: absolute; left: 560px; top: 380px; width: 440px' });
  const other = await otherClient(server, urlId);
  const { chatId } = await other.store.createChat(0.9, 0.9, 'bottom right');
  await waitFor(() => element.store!.chat(chatId) !== undefined, 'the marker');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const panel = thread(element)!.shadowRoot!.querySelector('[part="thread"]')!.getBoundingClientRect();
  const marker = markerButton(element, chatId)!.getBoundingClientRect();
  assert(panel.left >= 0 && panel.right <= innerWidth && panel.top >= 0 && panel.bottom <= innerHeight,
    `inside the viewport: ${JSON.stringify(panel)} in ${innerWidth}×${innerHeight}`);
  assert(panel.right <= marker.left, 'on the left of the marker, where there is room');
  other.connection.close();
});

it('is a full-width sheet at the bottom on a screen narrower than 768 px', async () => {
  await setViewport({ width: 400, height: 700 });
  const server = await serverUrl();
  const urlId = uniqueId('sheet');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId);
  const { chatId } = await other.store.createChat(0.2, 0.2, 'top left');
  await waitFor(() => element.store!.chat(chatId) !== undefined, 'the marker');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const host = thread(element)!;
  const panel = host.shadowRoot!.querySelector('[part="thread"]')!.getBoundingClientRect();
  assertEqual(getComputedStyle(host).position, 'fixed', 'a sheet');
  assertEqual([Math.round(panel.left), Math.round(panel.width), Math.round(panel.bottom)], [0, innerWidth, innerHeight], 'full width, at the bottom');
  other.connection.close();
});
