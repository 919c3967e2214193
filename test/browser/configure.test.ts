/**
 * The npm package's entry (widget/package.ts), as a site's bundle loads it: it cannot tell where the image-chat
 * server is, so a widget without a `server` attribute waits for `configure({ server })`, says in the console
 * what to set, and never talks to the page's own origin. (This file must not import helpers.ts, which loads the
 * served entry, index.ts, whose default server is where its script came from.)
 */
import { executeServerCommand } from '@web/test-runner-commands';
import { configure, type ImageChat } from '../../widget/package.js';
import { MISSING_SERVER_ERROR } from '../../widget/configure.js';
import { pageSockets } from '../../widget/shared-sockets.js';

const TEST_IMAGE = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="#9cc"/></svg>')}`;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function assertEqual<T>(actual: T, expected: T, message: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`);
}

function widget(urlId: string, server?: string): ImageChat {
  const element = document.createElement('image-chat');
  element.setAttribute('tenant-id', 'demo');
  element.setAttribute('url-id', urlId);
  element.setAttribute('alt', 'test picture');
  element.src = TEST_IMAGE;
  if (server) element.setAttribute('server', server);
  document.body.append(element);
  return element;
}

const notice = (element: ImageChat): string | null | undefined => element.shadowRoot?.querySelector('[part="notice"]')?.textContent;

it('without configure or a server attribute: one console error naming both, a notice, and no socket at all', async () => {
  const logged: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const first = widget('configure-first');
    const second = widget('configure-second');
    await first.updateComplete;
    await waitFor(() => logged.length > 0, 'the console error');
    // Long enough for a socket to the page's origin to have been opened, had the widget guessed it.
    await new Promise((resolve) => setTimeout(resolve, 300));

    assertEqual(logged.length, 1, 'one error for the page, not one per widget');
    assertEqual(logged[0]![0], MISSING_SERVER_ERROR, 'the error');
    const text = String(logged[0]![0]);
    for (const named of ['configure({ server:', 'server attribute', 'data-server']) {
      if (!text.includes(named)) throw new Error(`the error should name ${named}: ${text}`);
    }
    assertEqual(logged[0]![1] === first, true, 'the error points at the widget');
    assertEqual(notice(first), 'Conversations cannot be shown: this widget has no server (the server attribute, or configure()).', 'the notice');
    assertEqual(notice(second), notice(first), 'the second widget\'s notice');
    assertEqual(first.shadowRoot!.querySelector('[part="status"]'), null, 'no live indicator');
    assertEqual(first.store, null, 'no store');
    assertEqual(pageSockets.connectionCount, 0, 'no connection to any server, the page\'s origin included');

    // configure() connects the widgets that were waiting.
    const { url } = await executeServerCommand<{ url: string }, { action: string }>('image-chat-server', { action: 'info' });
    if (new URL(url).origin === location.origin) throw new Error('the test server must not be the page\'s origin');
    configure({ server: url });
    await waitFor(() => first.connectionState === 'live' && second.connectionState === 'live', 'both widgets to be live');
    assertEqual(notice(first), undefined, 'the notice is gone');
    assertEqual(pageSockets.connectionCount, 1, 'one shared connection');

    // Widgets after configure() are live at once, and nothing more is logged.
    const third = widget('configure-third');
    await waitFor(() => third.connectionState === 'live', 'the third widget to be live');
    assertEqual(logged.length, 1, 'still the one error');
  } finally {
    console.error = original;
    for (const element of document.querySelectorAll('image-chat')) element.remove();
  }
});

it('configure() refuses what is not an http(s) URL, saying what it needs', () => {
  for (const server of ['', 'javascript:alert(1)', 42]) {
    let message = '';
    try {
      configure({ server } as { server: string });
    } catch (error) {
      message = error instanceof TypeError ? error.message : `not a TypeError: ${String(error)}`;
    }
    assertEqual(message, `image-chat: configure({ server }) needs the image-chat server's http(s) URL, e.g. configure({ server: 'https://chat.example.com' }); got ${JSON.stringify(server)}`, `configure({ server: ${JSON.stringify(server)} })`);
  }
});
