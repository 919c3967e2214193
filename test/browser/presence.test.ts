/**
 * Presence in the widget (issue 15): the bar's faces, "+N" and the list of names, and "Ann is typing…" in an
 * open thread. The first tests mount `<presence-faces>` itself with viewers; the rest run the whole widget
 * against the real server, with other readers as real clients on their own sockets.
 */
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import type { PresenceMessage, PresenceViewer } from '../../shared/index.js';
import { stringsFor } from '../../widget/i18n.js';
import type { PresenceFaces } from '../../widget/presence-faces.js';
import type { ImageChat } from '../../widget/image-chat.js';
import { WidgetConnection } from '../../widget/connection.js';
import { ImageStore } from '../../widget/store.js';
import { socketUrl } from '../../widget/server-url.js';
import {
  assert, assertEqual, markerButton, mount, serverUrl, settled, startServer, stopServer, thread, uniqueId, unmountAll, waitFor,
} from './helpers.js';

declare global {
  interface Window { __xss?: number }
}

afterEach(() => {
  unmountAll();
  for (const element of document.querySelectorAll('presence-faces')) element.remove();
});

/** Mounts the bar's faces with `count` people of whom `viewers` are listed. */
async function faces(count: number, viewers: PresenceViewer[], me = ''): Promise<PresenceFaces> {
  const element = document.createElement('presence-faces');
  element.count = count;
  element.viewers = viewers;
  element.me = me;
  element.strings = stringsFor('en');
  document.body.append(element);
  await element.updateComplete;
  return element;
}

const people = (n: number): PresenceViewer[] => Array.from({ length: n }, (_unused, i) => ({ id: `sso:p${i}`, name: `Person ${i}` }));
const shown = (element: PresenceFaces): Element[] => [...element.shadowRoot!.querySelectorAll('[part="face"]')];
const namesBox = (element: PresenceFaces): HTMLElement => element.shadowRoot!.querySelector<HTMLElement>('[part="names"]')!;
const namesVisible = (element: PresenceFaces): boolean => getComputedStyle(namesBox(element)).display !== 'none';

it('shows the count, up to five faces with initials, and +N for the rest of the count', async () => {
  const element = await faces(9, people(7));
  assertEqual(shown(element).length, 5, 'five faces');
  assertEqual(shown(element).map((face) => face.textContent), ['P0', 'P1', 'P2', 'P3', 'P4'], 'initials, in join order');
  assertEqual(element.shadowRoot!.querySelector('.more')?.textContent, '+4', 'the rest of the count, unnamed guests included');
  assertEqual(element.shadowRoot!.querySelector('.label')?.textContent, '9 viewing', 'the count');
  const colour = getComputedStyle(shown(element)[0]!).backgroundColor;
  assert(/^rgb\(\d+, \d+, \d+\)$/.test(colour) && colour !== 'rgb(255, 255, 255)', `a colour from the user id (${colour})`);
  assertEqual(getComputedStyle(shown(element)[0]!).color, 'rgb(255, 255, 255)', 'white initials');

  element.count = 2;
  element.viewers = people(2);
  await element.updateComplete;
  assertEqual(shown(element).length, 2, 'two faces');
  assertEqual(element.shadowRoot!.querySelector('.more'), null, 'no +N when every face is shown');
});

it('an SSO avatar loads without a referrer, and initials replace it when it fails', async () => {
  const picture = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')}`;
  // A data: URL is never a face (the server sends http(s) avatars only): shown as initials at once.
  const element = await faces(3, [
    { id: 'sso:ann', name: 'Ann Smith', avatar: 'http://127.0.0.1:9/ann.png' },
    { id: 'sso:bob', name: 'Bob', avatar: picture },
  ]);
  const image = element.shadowRoot!.querySelector('img[part="face"]');
  assert(image, 'the avatar is an image');
  assertEqual(image.getAttribute('referrerpolicy'), 'no-referrer', 'no referrer to the avatar host');
  assertEqual(image.getAttribute('alt'), '', 'decorative: the names are in the list');
  await waitFor(() => element.shadowRoot!.querySelector('img') === null, 'the broken avatar to give way');
  assertEqual(shown(element).map((face) => face.textContent), ['AS', 'B'], 'initials instead');
});

it('keyboard focus shows the names as a list that describes the button; Escape hides it', async () => {
  const element = await faces(4, [{ id: 'sso:ann', name: 'Ann' }, { id: 'g-me', name: 'Me' }], 'g-me');
  const button = element.shadowRoot!.querySelector('button')!;
  assertEqual(namesVisible(element), false, 'hidden at first');
  const before = document.createElement('button');
  before.textContent = 'before';
  document.body.prepend(before);
  before.focus();
  await sendKeys({ press: 'Tab' });
  assertEqual(element.shadowRoot!.activeElement, button, 'the faces take keyboard focus');
  assert(namesVisible(element), 'focus shows the names');
  assertEqual([...namesBox(element).querySelectorAll('li')].map((li) => li.textContent), ['Ann', 'Me (you)', '2 more people'], 'names, the reader marked, the unnamed counted');
  assertEqual(button.getAttribute('aria-describedby'), 'names', 'announced with the button');
  assertEqual(namesBox(element).querySelector('.title')?.textContent, 'Viewing now', 'with a heading');
  await sendKeys({ press: 'Escape' });
  await element.updateComplete;
  assertEqual(namesVisible(element), false, 'Escape hides them');
  before.remove();
});

it('a click or tap toggles the names (touch screens have no hover)', async () => {
  const element = await faces(2, people(2));
  const button = element.shadowRoot!.querySelector('button')!;
  button.click();
  await element.updateComplete;
  assert(namesVisible(element), 'shown');
  assertEqual(button.getAttribute('aria-expanded'), 'true', 'expanded');
  button.click();
  await element.updateComplete;
  assertEqual(button.getAttribute('aria-expanded'), 'false', 'collapsed');
});

it('names are rendered as text', async () => {
  const name = '<img src=x onerror="window.__xss=1"><b>bold</b>';
  const element = await faces(2, [{ id: 'sso:x', name }]);
  const item = namesBox(element).querySelector('li');
  assertEqual(item?.textContent, name, 'the name verbatim');
  assertEqual(namesBox(element).querySelectorAll('img, b').length, 0, 'no element made from it');
  assertEqual(shown(element)[0]?.textContent, '<O', 'its initials are text too');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assertEqual(window.__xss, undefined, 'nothing ran');
});

it('with names hidden by the tenant (no listed viewers) only the count shows', async () => {
  const element = await faces(3, []);
  assertEqual(shown(element).length, 0, 'no faces');
  assertEqual(element.shadowRoot!.querySelector('[part="names"]'), null, 'no list');
  assertEqual(element.shadowRoot!.querySelector('.label')?.textContent, '3 viewing', 'the count');
  assertEqual(element.shadowRoot!.querySelector('button')?.hasAttribute('aria-describedby'), false, 'nothing to describe');
});

// ---- the whole widget against the real server ----

/** Another reader on their own socket (another browser), with the presence frames it received. */
async function reader(server: string, urlId: string, name: string) {
  const frames: PresenceMessage[] = [];
  const connection = new WidgetConnection({
    url: socketUrl(server), name, trace: (direction, frame) => direction === 'in' && frame.type === 'presence' && frames.push(frame),
  });
  connection.connect();
  const store = new ImageStore(connection, { tenantId: 'demo', urlId });
  store.open();
  await waitFor(() => connection.state === 'live' && store.ready, `${name} to be live`);
  return { connection, store, frames };
}

const presenceOf = (element: ImageChat): PresenceFaces | null => element.shadowRoot!.querySelector('presence-faces');
const typingLineOf = (element: ImageChat): string | null | undefined => thread(element)?.shadowRoot?.querySelector('[part="typing"]')?.textContent;

it('another reader on the image shows in the bar with the count 2, and goes when they leave', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('presence-bar');
  const element = await mount({ server, 'url-id': urlId });
  assertEqual(presenceOf(element), null, 'alone: no presence shown');
  const otto = await reader(server, urlId, 'Otto Kern');
  await waitFor(() => presenceOf(element)?.count === 2, 'the count 2');
  await settled(element);
  const faces = presenceOf(element)!;
  await faces.updateComplete;
  assertEqual(faces.getAttribute('part'), 'presence', 'the part site owners style');
  assertEqual(faces.shadowRoot!.querySelector('.label')?.textContent, '2 viewing', 'the count, the reader included');
  const names = [...faces.shadowRoot!.querySelectorAll('[part="names"] li')].map((li) => li.textContent);
  assert(names.includes('Otto Kern'), `Otto is listed (${JSON.stringify(names)})`);
  assert([...faces.shadowRoot!.querySelectorAll('[part="face"]')].some((face) => face.textContent === 'OK'), 'Otto\'s initials');
  otto.connection.close();
  await waitFor(() => presenceOf(element) === null, 'the bar to show no presence once Otto left');
});

it('presence is cleared while offline and comes back from the snapshot after reconnecting', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('presence-offline');
  const element = await mount({ server, 'url-id': urlId });
  const otto = await reader(server, urlId, 'Otto');
  await waitFor(() => presenceOf(element)?.count === 2, 'the count 2');
  await stopServer();
  try {
    await waitFor(() => element.connectionState !== 'live', 'the widget to notice');
    await element.updateComplete;
    assertEqual(presenceOf(element), null, 'no stale faces while not live');
    assertEqual(element.store!.presence.count, 0, 'nothing kept');
  } finally {
    await startServer();
  }
  await waitFor(() => presenceOf(element)?.count === 2, 'the count 2 again after both reconnected', 60_000);
  otto.connection.close();
});

it('someone typing in the open thread shows there as "… is typing…" and expires without a renewal', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('presence-typing');
  const otto = await reader(server, urlId, 'Otto');
  const made = await otto.store.createChat(0.5, 0.5, 'Where does this door go?');
  assert(made.ok, 'the marker stored');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => element.store?.chat(made.chatId) !== undefined && element.store.presence.count === 2, 'the marker and Otto');
  await settled(element);
  markerButton(element, made.chatId)!.click();
  await settled(element);
  const line = thread(element)!.shadowRoot!.querySelector('[part="typing"]')!;
  assertEqual(line.getAttribute('role'), 'status', 'a polite live region, there before anyone types');
  assertEqual(line.textContent, '', 'empty while nobody types');

  assert(otto.store.sendTyping(made.chatId), 'Otto types');
  await waitFor(() => typingLineOf(element) === 'Otto is typing…', 'the typing line');
  // Nothing renews it: it expires after TYPING_EXPIRES_MS.
  await waitFor(() => typingLineOf(element) === '', 'the typing line to expire');

  // The expiry took longer than the server's one-a-second forwarding: the next signal is forwarded.
  otto.store.sendTyping(made.chatId);
  await waitFor(() => typingLineOf(element) === 'Otto is typing…', 'typing again');
  otto.store.sendTyping(made.chatId, true);
  await waitFor(() => typingLineOf(element) === '', 'stopped');
  otto.connection.close();
});

it('writing a reply tells the others, and sending it says it stopped', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('presence-reply');
  const otto = await reader(server, urlId, 'Otto');
  const made = await otto.store.createChat(0.5, 0.5, 'Paint it blue?');
  assert(made.ok, 'the marker stored');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => element.store?.chat(made.chatId) !== undefined && element.store.presence.othersHere, 'the marker and Otto');
  await settled(element);
  markerButton(element, made.chatId)!.click();
  await settled(element);
  const form = thread(element)!.shadowRoot!.querySelector<HTMLFormElement>('form[part="composer"]')!;
  const box = form.querySelector('textarea')!;
  box.focus();
  await sendKeys({ type: 'Yes' });
  await waitFor(() => otto.store.presence.typingIn(made.chatId).length === 1, 'Otto to see the reader typing');
  await sendKeys({ press: 'Enter' });
  await waitFor(() => otto.frames.some((frame) => !frame.snapshot && (frame.stoppedTyping?.some((entry) => entry.chatId === made.chatId) ?? false)), 'the stop to reach Otto');
  assertEqual(otto.store.presence.typingIn(made.chatId), [], 'no longer typing');
  await waitFor(() => otto.store.chat(made.chatId)?.comments.length === 2, 'the reply');
  otto.connection.close();
});

it('a tenant turning presence off takes it away at once', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('presence-off');
  const element = await mount({ server, 'url-id': urlId });
  const otto = await reader(server, urlId, 'Otto');
  await waitFor(() => presenceOf(element)?.count === 2, 'the count 2');
  await executeServerCommand('image-chat-server', { action: 'rules', rules: { presence: false } });
  try {
    await waitFor(() => element.store?.connection.rulesFor('demo')?.presence === false, 'the new rules');
    await element.updateComplete;
    assertEqual(presenceOf(element), null, 'no presence shown');
  } finally {
    await executeServerCommand('image-chat-server', { action: 'rules', rules: { presence: true } });
  }
  otto.connection.close();
});

it('a typing name is rendered as text', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('presence-typing-xss');
  const name = '<img src=x onerror="window.__xss=4">';
  const other = await reader(server, urlId, name);
  const made = await other.store.createChat(0.5, 0.5, 'hello');
  assert(made.ok, 'the marker stored');
  const element = await mount({ server, 'url-id': urlId });
  await waitFor(() => element.store?.chat(made.chatId) !== undefined && element.store.presence.othersHere, 'the marker and the other reader');
  await settled(element);
  markerButton(element, made.chatId)!.click();
  await settled(element);
  other.store.sendTyping(made.chatId);
  await waitFor(() => typingLineOf(element) === `${name} is typing…`, 'the typing line, verbatim');
  assertEqual(thread(element)!.shadowRoot!.querySelectorAll('[part="typing"] *').length, 0, 'no element made from the name');
  const faces = presenceOf(element)!;
  assert([...faces.shadowRoot!.querySelectorAll('[part="names"] li')].some((li) => li.textContent === name), 'listed verbatim');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assertEqual(window.__xss, undefined, 'nothing ran');
  other.connection.close();
});
