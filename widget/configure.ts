/**
 * The page's configuration of the widget: which image-chat server widgets without a `server` attribute talk to.
 * The served `/widget.js` knows (where it was loaded from); a copy bundled into a site's own code (the npm package)
 * does not, so the site calls `configure` once, and a widget that has no server says so in the console instead of
 * guessing the page's origin.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { defaultServer, onDefaultServer, setDefaultServer } from './server-url.js';

/** What `configure` takes. */
export interface ImageChatConfiguration {
  /**
   * The image-chat server's URL (`https://chat.example.com`, or with the path prefix it is served under:
   * `https://example.com/chat/`). A widget's own `server` attribute still wins.
   */
  server: string;
}

/**
 * Sets the image-chat server for every widget on the page that has no `server` attribute. Call it once, before
 * the first widget renders; widgets already waiting for a server connect when it is called.
 * @example
 * import { configure } from '@image-chat/widget';
 * configure({ server: 'https://chat.example.com' });
 */
export function configure(options: ImageChatConfiguration): void {
  const server = options?.server;
  if (typeof server !== 'string' || !server || !/^(https?|wss?):$/.test(parsedProtocol(server))) {
    throw new TypeError(`image-chat: configure({ server }) needs the image-chat server's http(s) URL, e.g. configure({ server: 'https://chat.example.com' }); got ${JSON.stringify(server)}`);
  }
  setDefaultServer(server);
}

function parsedProtocol(url: string): string {
  try {
    return new URL(url, location.href).protocol;
  } catch {
    return '';
  }
}

/** The console error of a widget with no server, naming both ways to give it one. */
export const MISSING_SERVER_ERROR = 'image-chat: no server to talk to. This copy of the widget was bundled into the page rather than loaded from the image-chat server\'s /widget.js, so it cannot tell where the server is. Call configure({ server: \'https://your-image-chat-server\' }) before widgets render, or set the server attribute (data-server on <img data-image-chat>, server in attach\'s options).';

let missingServer: 'unknown' | 'checking' | 'told' = 'unknown';

/**
 * Says once per page, in the console, that a widget has no server. It waits until the page is parsed and its
 * scripts ran (a classic page may call `ImageChat.configure` in a script after the widget's), so a page that does
 * configure in time hears nothing.
 */
export function reportMissingServer(widget: Element & { server: string }): void {
  if (missingServer !== 'unknown') return;
  missingServer = 'checking';
  const check = () => setTimeout(() => {
    if (defaultServer() || widget.server || !widget.isConnected) {
      missingServer = 'unknown';
      return;
    }
    missingServer = 'told';
    console.error(MISSING_SERVER_ERROR, widget);
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', check, { once: true });
  else check();
}

/** Updates its host when the page's default server is set, so a widget waiting for `configure` connects. */
export class DefaultServerController implements ReactiveController {
  #stop: (() => void) | null = null;
  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.#stop = onDefaultServer(() => this.#host.requestUpdate());
  }

  hostDisconnected(): void {
    this.#stop?.();
    this.#stop = null;
  }
}
