/**
 * Sign-in in the widget (issue 10): avatars shown only for safe URLs, "Sign in to comment" under the tenant's
 * `sso-only` rule, and a moderator deleting someone else's comment and marker after confirming, live in a second
 * widget. Demo users come signed from the server's `GET /demo/sso`; rules are set through the REST API.
 */
import { executeServerCommand } from '@web/test-runner-commands';
import type { Chat, SecureSso } from '../../shared/index.js';
import { DEFAULT_RULES } from '../../shared/index.js';
import { WidgetConnection } from '../../widget/connection.js';
import { ImageStore } from '../../widget/store.js';
import { socketUrl } from '../../widget/server-url.js';
import type { ChatThread } from '../../widget/chat-thread.js';
import { stringsFor } from '../../widget/i18n.js';
import '../../widget/chat-thread.js';
import {
  assert, assertEqual, clickImageAt, markerButton, mount, serverUrl, settled, thread, threadTexts, uniqueId, unmountAll, waitFor,
} from './helpers.js';

/** A demo user signed for the demo tenant. */
async function signed(user: 'ann' | 'bob' | 'cleo'): Promise<SecureSso> {
  return (await executeServerCommand<{ sso: SecureSso }, object>('image-chat-server', { action: 'sso', user })).sso;
}

async function setRules(rules: object): Promise<void> {
  await executeServerCommand('image-chat-server', { action: 'rules', rules });
}

/** Another person on their own socket, signed in on the demo tenant. */
async function signedInClient(server: string, urlId: string, user: 'ann' | 'bob' | 'cleo') {
  const connection = new WidgetConnection({ url: socketUrl(server) });
  connection.setIdentity('demo', { sso: await signed(user) });
  connection.connect();
  const store = new ImageStore(connection, { tenantId: 'demo', urlId });
  store.open();
  await waitFor(() => connection.isLive && store.ready && connection.userFor('demo')?.kind === 'sso', `${user} signed in`);
  return { connection, store };
}

afterEach(() => unmountAll());

it('shows an author\'s avatar only for https and data-image URLs, sized, lazy and without a referrer; marks unverified authors', async () => {
  const comment = (id: string, avatar: string | undefined, authorId = `sso:${id}`) =>
    ({ id, author: { id: authorId, name: `Name ${id}`, ...(avatar !== undefined ? { avatar } : {}) }, text: id, createdAt: 1, editedAt: null });
  const chat: Chat = {
    id: 'c1', number: 1, x: 0.5, y: 0.5, author: { id: 'sso:https', name: 'Name https' }, createdAt: 1, resolved: false,
    comments: [
      comment('https', 'https://images.example.com/a.png'),
      comment('png', 'data:image/png;base64,iVBORw0KGgo='),
      comment('script', 'javascript:alert(1)'),
      comment('http', 'http://images.example.com/a.png'),
      comment('svg', 'data:image/svg+xml;base64,PHN2Zy8+'),
      comment('none', undefined),
      comment('simple', 'https://images.example.com/s.png', 'simple:s1'),
    ],
  };
  const element = document.createElement('chat-thread') as ChatThread;
  element.chat = chat;
  element.strings = stringsFor('en');
  document.body.append(element);
  try {
    await element.updateComplete;
    const items = [...element.shadowRoot!.querySelectorAll('li')];
    const avatars = items.map((li) => li.querySelector<HTMLImageElement>('img[part="avatar"]')?.getAttribute('src') ?? null);
    assertEqual(avatars, ['https://images.example.com/a.png', 'data:image/png;base64,iVBORw0KGgo=', null, null, null, null, 'https://images.example.com/s.png'], 'safe avatars only');
    assertEqual(element.shadowRoot!.querySelectorAll('img').length, 3, 'no other images');
    const img = items[0]!.querySelector('img')!;
    for (const [name, value] of [['alt', ''], ['width', '20'], ['height', '20'], ['loading', 'lazy'], ['decoding', 'async'], ['referrerpolicy', 'no-referrer']]) {
      assertEqual(img.getAttribute(name!), value, `avatar ${name}`);
    }
    assertEqual(items.map((li) => li.querySelector('.unverified')?.textContent ?? ''), ['', '', '', '', '', '', '(unverified)'], 'simple-SSO authors are unverified');
  } finally {
    element.remove();
  }
});

it('under sso-only a guest gets "Sign in to comment" with the login link, and no composer; signing in brings it back', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('sign-in');
  const bob = await signedInClient(server, urlId, 'bob');
  const made = await bob.store.createChat(0.5, 0.5, 'by Bob');
  assert(made.ok, 'Bob made a marker');
  await setRules({ write: 'sso-only', loginUrl: 'https://example.com/login' });
  try {
    const element = await mount({ server, 'url-id': urlId });
    await waitFor(() => element.shadowRoot!.querySelector('.bar [part="sign-in"]') !== null, 'the sign-in state');
    const link = element.shadowRoot!.querySelector<HTMLAnchorElement>('.bar [part="sign-in"] a')!;
    assertEqual([link.textContent, link.getAttribute('href')], ['Sign in to comment', 'https://example.com/login'], 'the login link');
    clickImageAt(element, 0.2, 0.2);
    await settled(element);
    assertEqual(element.shadowRoot!.querySelector('[part~="composer"]'), null, 'a click opens no composer');
    const layer = element.shadowRoot!.querySelector<HTMLElement>('.layer')!;
    layer.focus();
    layer.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
    await settled(element);
    assertEqual(element.shadowRoot!.querySelector('.crosshair'), null, 'the keyboard places no marker');
    markerButton(element, made.chatId)!.click();
    await settled(element);
    const root = thread(element)!.shadowRoot!;
    assertEqual(root.querySelector('form[part="composer"]'), null, 'no reply form');
    assert(root.querySelector('[part="sign-in"] a') !== null, 'the thread says sign in');
    assertEqual(root.querySelector('[data-action="resolve"]'), null, 'no resolve for a guest');

    element.sso = await signed('cleo');
    await waitFor(() => element.user?.kind === 'sso', 'Cleo signed in');
    await settled(element);
    assert(thread(element)!.shadowRoot!.querySelector('form[part="composer"]') !== null, 'signed in, the reply form is back');
    assertEqual(element.shadowRoot!.querySelector('[part="sign-in"]'), null, 'no sign-in state');
    element.sso = null;
    await waitFor(() => element.user?.kind === 'guest', 'logged out to the tenant guest');
    await settled(element);
    assert(element.shadowRoot!.querySelector('.bar [part="sign-in"]') !== null, 'the sign-in state again');
  } finally {
    await setRules({ write: DEFAULT_RULES.write, loginUrl: DEFAULT_RULES.loginUrl });
    bob.connection.close();
  }
});

it('a moderator deletes another\'s comment and marker after confirming; a second widget sees it live; others see no delete', async () => {
  const server = await serverUrl();
  const urlId = uniqueId('moderate');
  const bob = await signedInClient(server, urlId, 'bob');
  const made = await bob.store.createChat(0.4, 0.4, 'Bob first');
  assert(made.ok, 'Bob made a marker');
  assert((await bob.store.addComment(made.chatId, 'Bob second')).ok, 'Bob replied');

  const ann = await mount({ server, 'url-id': urlId, sso: JSON.stringify(await signed('ann')) });
  await waitFor(() => ann.user?.moderator === true, 'Ann is a moderator');
  // The second widget has its own socket (another host name for the same server): another window, as a guest.
  const watcher = await mount({ server: server.replace('127.0.0.1', 'localhost'), 'url-id': urlId });
  await waitFor(() => watcher.store!.chat(made.chatId)?.comments.length === 2, 'the watcher has the thread');

  markerButton(watcher, made.chatId)!.click();
  await settled(watcher);
  assertEqual(thread(watcher)!.shadowRoot!.querySelectorAll('[data-action^="delete"]').length, 0, 'a guest has no delete on Bob\'s content');

  markerButton(ann, made.chatId)!.click();
  await settled(ann);
  const root = () => thread(ann)!.shadowRoot!;
  const actions = (index: number) => [...root().querySelectorAll('li')[index]!.querySelectorAll('[data-action]')].map((b) => b.getAttribute('data-action'));
  assertEqual([actions(0), actions(1)], [['delete-chat'], ['delete-comment']], 'a moderator may delete each comment; the first is the marker');
  assert(root().querySelector('[data-action="resolve"]') !== null, 'and resolve');

  root().querySelectorAll('li')[1]!.querySelector<HTMLButtonElement>('[data-action="delete-comment"]')!.click();
  await settled(ann);
  const confirm = root().querySelector<HTMLElement>('[part="confirm"]')!;
  assertEqual(confirm.getAttribute('role'), 'alertdialog', 'an accessible confirmation');
  assertEqual(confirm.querySelector('p')!.textContent, 'Delete this comment by Bob?', 'it says whose comment goes');
  assertEqual(root().activeElement?.getAttribute('data-action'), 'cancel-delete', 'focus on the safe choice');
  assertEqual(ann.store!.chat(made.chatId)!.comments.length, 2, 'nothing deleted before confirming');
  confirm.querySelector<HTMLButtonElement>('[data-action="confirm-delete"]')!.click();
  await waitFor(() => watcher.store!.chat(made.chatId)?.comments.length === 1, 'the deletion to reach the second widget');
  await settled(watcher);
  assertEqual(threadTexts(watcher), ['Bob first'], 'the second widget shows it live');
  await waitFor(() => bob.store.chat(made.chatId)?.comments.length === 1, 'and Bob');

  await settled(ann);
  root().querySelectorAll('li')[0]!.querySelector<HTMLButtonElement>('[data-action="delete-chat"]')!.click();
  await settled(ann);
  assert(root().querySelector('[part="confirm"] p')!.textContent!.startsWith('Delete marker 1 by Bob'), 'it names the marker and its author');
  root().querySelector<HTMLButtonElement>('[data-action="confirm-delete"]')!.click();
  await waitFor(() => watcher.store!.chat(made.chatId) === undefined, 'the marker to go in the second widget');
  await settled(watcher);
  assertEqual(thread(watcher), null, 'its open thread closed');
  bob.connection.close();
});
