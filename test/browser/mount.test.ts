/** Mounting, the live chip, and markers staying on their spot when the image is resized. */
import { emulateMedia } from '@web/test-runner-commands';
import { attach } from '../../widget/attach.js';
import { WidgetConnection } from '../../widget/connection.js';
import { pageSockets } from '../../widget/shared-sockets.js';
import { sessionFor } from '../../widget/browser-env.js';
import { ImageStore } from '../../widget/store.js';
import { socketUrl } from '../../widget/server-url.js';
import type { ImageChat } from '../../widget/image-chat.js';
import { TEST_IMAGE, assert, assertEqual, markers, mount, otherClient, serverUrl, settled, uniqueId, unmountAll, waitFor } from './helpers.js';

afterEach(() => unmountAll());

it('mounts with the image, a Live status and a marker count, sharing one socket between widgets', async () => {
  const server = await serverUrl();
  const first = await mount({ server, 'url-id': uniqueId('mount') });
  const second = await mount({ server, 'url-id': uniqueId('mount') });
  const root = first.shadowRoot!;
  assert(root.querySelector('img[part="image"]'), 'the image part');
  const status = root.querySelector<HTMLElement>('[part="status"]')!;
  assertEqual(status.dataset.state, 'live', 'status state');
  assertEqual(status.textContent?.trim(), 'Live', 'status text');
  assertEqual(root.querySelector('.count')?.textContent, '0 markers', 'count');
  assertEqual(pageSockets.connectionCount, 1, 'one connection for two widgets on one server');
  assert(first.store !== second.store, 'each widget has its own image store');
});

it('places markers at relative coordinates and keeps them there after a resize', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('resize');
  const element = await mount({ server, 'url-id': urlId, style: 'width: 400px' });
  const other = await otherClient(server, urlId);
  await other.store.createChat(0.25, 0.75, 'here');
  await waitFor(() => markers(element).length === 1, 'the marker');
  await settled(element);

  const check = (label: string) => {
    const image = element.shadowRoot!.querySelector('img')!.getBoundingClientRect();
    const button = markers(element)[0]!.getBoundingClientRect();
    const x = (button.left + button.width / 2 - image.left) / image.width;
    const y = (button.top + button.height / 2 - image.top) / image.height;
    assert(Math.abs(x - 0.25) < 0.01 && Math.abs(y - 0.75) < 0.01, `${label}: marker at ${x.toFixed(3)}, ${y.toFixed(3)}`);
    return image.width;
  };
  assertEqual(Math.round(check('at 400px')), 400, 'image width before');
  element.style.width = '260px';
  await waitFor(() => Math.round(element.shadowRoot!.querySelector('img')!.getBoundingClientRect().width) === 260, 'the resize');
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  assertEqual(Math.round(check('at 260px')), 260, 'image width after');
  other.connection.close();
});

it('speaks Dutch with locale="nl", follows the theme attribute, and adds nothing when readonly', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('looks');
  const dutch = await mount({ server, 'url-id': urlId, locale: 'nl', theme: 'dark' });
  assertEqual(dutch.shadowRoot!.querySelector('.count')?.textContent, '0 markeringen', 'Dutch count');
  assertEqual(dutch.shadowRoot!.querySelector('[part="status"]')?.textContent?.trim(), 'Live', 'Dutch status');
  const english = await mount({ server, 'url-id': urlId, theme: 'light' });
  assertEqual(english.shadowRoot!.querySelector('.count')?.textContent, '0 markers', 'the browser\'s language (en) without locale');
  const background = (element: Element) => getComputedStyle(element.shadowRoot!.querySelector('[part="status"]')!).color;
  assert(background(dutch) !== background(english), `dark and light differ (${background(dutch)} vs ${background(english)})`);

  const readonly = await mount({ server, 'url-id': urlId, readonly: '' });
  const layer = readonly.shadowRoot!.querySelector<HTMLElement>('.layer')!;
  const box = layer.getBoundingClientRect();
  layer.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true, clientX: box.left + 10, clientY: box.top + 10 }));
  await readonly.updateComplete;
  assertEqual(readonly.shadowRoot!.querySelector('[part~="composer"]'), null, 'no composer when readonly');
  assertEqual(layer.tabIndex, -1, 'the image is not a keyboard target when readonly');
});

it('picks up <img data-image-chat> added to the page, and attach() wraps an <img> in a widget once', async () => {
  const server = await serverUrl();
  const picked = document.createElement('img');
  picked.src = TEST_IMAGE;
  picked.alt = 'picked up';
  picked.dataset.imageChat = 'demo';
  picked.dataset.server = server;
  picked.dataset.urlId = uniqueId('pickup');
  document.body.append(picked);
  await waitFor(() => picked.parentElement?.localName === 'image-chat', 'the image to be wrapped');
  const widget = picked.parentElement as ImageChat;
  assert(picked.isConnected, 'the page\'s <img> itself stays on the page');
  assertEqual(widget.tenantId, 'demo', 'tenant from data-image-chat');
  await waitFor(() => widget.connectionState === 'live' && widget.store?.ready === true, 'the picked-up widget to be live');

  const img = document.createElement('img');
  img.src = `${server}/demo/floor-plan.svg?v=3#top`;
  img.id = 'mine';
  img.setAttribute('width', '300');
  document.body.append(img);
  const element = attach(img, { tenantId: 'demo', server });
  assertEqual(attach(img, { tenantId: 'demo', server }), element, 'attaching twice returns the same element');
  assertEqual(img.parentElement, element, 'the <img> is inside the widget');
  assertEqual([img.id, img.getAttribute('width')], ['mine', '300'], 'the image keeps its id and width');
  await element.updateComplete;
  assertEqual(Math.round(element.getBoundingClientRect().width), 300, 'the widget is as wide as the image');
  assertEqual(element.store?.key.urlId, `${server}/demo/floor-plan.svg`, 'url-id defaults to the image URL without query or hash');
});

it('says so when the server will not show an image (unknown tenant), and tells the page', async () => {
  const server = await serverUrl();
  const errors: unknown[] = [];
  document.addEventListener('image-chat-error', (event) => errors.push((event as CustomEvent).detail), { once: true });
  const element = document.createElement('image-chat');
  element.setAttribute('server', server);
  element.setAttribute('tenant-id', 'no-such-tenant');
  element.setAttribute('url-id', uniqueId('refused'));
  element.src = TEST_IMAGE;
  document.body.append(element);
  await waitFor(() => element.shadowRoot?.querySelector('[part="notice"]') !== null, 'the notice');
  assertEqual(element.shadowRoot!.querySelector('[part="notice"]')!.textContent, 'Conversations on this image cannot be shown: tenant "no-such-tenant" does not exist or does not allow this page\'s origin.', 'notice');
  assertEqual(errors, [{ code: 'forbidden', message: 'tenant "no-such-tenant" does not exist or does not allow this page\'s origin' }], 'the image-chat-error event');
});

it('keeps the session token per server, so the same person comes back after a reload', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('session') });
  const key = `image-chat:session:${socketUrl(server)}`;
  const token = localStorage.getItem(key);
  assert(token, 'the token is stored');
  const firstUser = element.user;
  assert(firstUser, 'welcomed');
  assert(localStorage.getItem(`${key} demo`), 'and the demo tenant\'s, where the reader is its guest');
  // A later page load: a new connection that finds the stored tokens, and says hello to the image's tenant.
  const again = new WidgetConnection({ url: socketUrl(server), sessionStorage: sessionFor(socketUrl(server)) });
  again.connect();
  new ImageStore(again, { tenantId: 'demo', urlId: uniqueId('session') }).open();
  await waitFor(() => again.state === 'live' && again.userFor('demo') !== null, 'the second connection');
  assertEqual(again.userFor('demo')?.id, firstUser.id, 'the same user id on the tenant');
  again.close();
});

it('follows prefers-color-scheme unless theme says otherwise', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('scheme');
  const auto = await mount({ server, 'url-id': urlId });
  const light = await mount({ server, 'url-id': urlId, theme: 'light' });
  const colour = (element: Element) => getComputedStyle(element.shadowRoot!.querySelector('[part="status"]')!).color;
  const lightColour = colour(light);
  assertEqual(colour(auto), lightColour, 'light by default in a light browser');
  await emulateMedia({ colorScheme: 'dark' });
  try {
    assert(colour(auto) !== lightColour, 'auto follows the browser to dark');
    assertEqual(colour(light), lightColour, 'theme="light" stays light');
  } finally {
    await emulateMedia({ colorScheme: 'light' });
  }
});

it('a removed widget holds no store: changing its image after removal subscribes nothing and its socket closes', async () => {
  const server = await serverUrl();
  const element = await mount({ server, 'url-id': uniqueId('removed') });
  assert(element.store, 'a store while mounted');
  element.remove();
  // Lit still runs an update on a removed element; it must not take a store (and a socket) again.
  element.urlId = uniqueId('after-removal');
  await element.updateComplete;
  assertEqual(element.store, null, 'no store after removal');
  await waitFor(() => pageSockets.connectionCount === 0, 'the socket to be let go after its linger', 10_000);
});
