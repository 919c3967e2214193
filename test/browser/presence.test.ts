/**
 * Presence in the widget (issue 15): the bar's faces, "+N" and the list of names, and "Ann is typing…" in an
 * open thread. The first tests mount `<presence-faces>` itself with viewers; the rest run the whole widget
 * against the real server, with other readers as real clients on their own sockets.
 */
import { sendKeys } from '@web/test-runner-commands';
import type { PresenceViewer } from '../../shared/index.js';
import { stringsFor } from '../../widget/i18n.js';
import type { PresenceFaces } from '../../widget/presence-faces.js';
import { assert, assertEqual, unmountAll, waitFor } from './helpers.js';

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
