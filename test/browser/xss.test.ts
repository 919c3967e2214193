/** Text from users is only ever rendered as text. */
import { assert, assertEqual, markerButton, mount, otherClient, serverUrl, settled, thread, threadTexts, uniqueId, unmountAll, waitFor } from './helpers.js';

declare global {
  interface Window { __xss?: number }
}

afterEach(() => unmountAll());

it('an XSS payload in a comment and a name shows as text and runs nothing', async () => {
  const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b>';
  const server = await serverUrl();
  const urlId = uniqueId('xss');
  const element = await mount({ server, 'url-id': urlId });
  const other = await otherClient(server, urlId, '<img src=y onerror="window.__xss=3">');
  const { chatId } = await other.store.createChat(0.5, 0.5, payload);
  await waitFor(() => element.store!.chat(chatId) !== undefined, 'the marker');
  await settled(element);
  markerButton(element, chatId)!.click();
  await settled(element);
  const root = thread(element)!.shadowRoot!;
  assertEqual(threadTexts(element), [payload], 'the payload is shown verbatim');
  assertEqual(root.querySelector('.author')?.textContent, '<img src=y onerror="window.__xss=3">', 'the name is shown verbatim');
  assertEqual(root.querySelectorAll('img, script, b').length, 0, 'no element was made from user text');
  assert(markerButton(element, chatId)!.getAttribute('aria-label')!.includes('<img'), 'the label holds the text as text');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assertEqual(window.__xss, undefined, 'nothing ran');
  other.connection.close();
});
