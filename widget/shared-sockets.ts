/**
 * The page's sockets: one connection per server, shared by every widget that talks to it, and one store per image
 * on it, shared by every widget showing that image. `acquire` hands out a store with the `release` that gives it
 * back; both are reference-counted, and a connection closes a moment after its last user lets go (so moving an
 * element in the DOM does not reconnect).
 *
 * @example
 * const { store, release } = pageSockets.acquire('https://chat.example.com', { tenantId: 'acme', urlId: 'plan-2' });
 * store.onChange(() => render(store.chats));
 * // later
 * release();
 */
import { imageTopic, type ImageKey } from '../shared/index.js';
import { WidgetConnection, type ConnectionOptions, type NetworkMonitor, type SessionStorage } from './connection.js';
import { ImageStore } from './store.js';
import { browserNetwork, savedName, sessionFor, storeName } from './browser-env.js';
import { socketUrl } from './server-url.js';

/** How long an unused connection stays open, in case a widget comes right back. */
const LINGER_MS = 1000;

/** Where the shared connections keep their session and name, and how they watch the network. */
interface SocketEnvironment {
  session(socketUrl: string): SessionStorage;
  network?: NetworkMonitor;
  savedName(): string;
  storeName(name: string): void;
}

/** A store handed out by `acquire`, with the function that gives it back (calling it twice is harmless). */
interface AcquiredStore {
  store: ImageStore;
  release(): void;
}

/** A connection handed out by `acquireConnection`, with the function that gives it back. */
interface AcquiredConnection {
  connection: WidgetConnection;
  release(): void;
}

/** One server's connection and the stores of its images; lives while anyone holds it, plus the linger time. */
class ServerSocket {
  users = 0;
  closeTimer: ReturnType<typeof setTimeout> | null = null;
  readonly stores = new Map<string, { store: ImageStore; users: number }>();

  constructor(readonly connection: WidgetConnection) {}
}

/** Runs `release` on the first call only, so a double release cannot take another user's share. */
function once(release: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    release();
  };
}

/** The page's shared sockets (see the module comment); `pageSockets` is the page's one instance. */
export class SharedSockets {
  readonly #servers = new Map<string, ServerSocket>();

  readonly #environment: SocketEnvironment;

  constructor(environment: SocketEnvironment) {
    this.#environment = environment;
  }

  /** The store of `image` on `server`, created (and subscribed) on first use, and its release. */
  acquire(server: string, image: ImageKey): AcquiredStore {
    const { socket, release: releaseConnection } = this.#hold(server, {});
    const topic = imageTopic(image);
    let entry = socket.stores.get(topic);
    if (!entry) {
      entry = { store: new ImageStore(socket.connection, image), users: 0 };
      socket.stores.set(topic, entry);
      entry.store.open();
    }
    entry.users += 1;
    const held = entry;
    return {
      store: held.store,
      release: once(() => {
        held.users -= 1;
        if (held.users === 0) {
          socket.stores.delete(topic);
          held.store.close();
        }
        releaseConnection();
      }),
    };
  }

  /**
   * The page's connection to `server`, created (and connected) on first use; `options` apply only when this call
   * creates it (tests pass their own WebSocket or timings here).
   */
  acquireConnection(server: string, options: Partial<ConnectionOptions> = {}): AcquiredConnection {
    const { socket, release } = this.#hold(server, options);
    return { connection: socket.connection, release };
  }

  /** Remembers the display name and tells every open connection. */
  setName(name: string): void {
    this.#environment.storeName(name);
    for (const socket of this.#servers.values()) socket.connection.setName(name);
  }

  /** How many server connections the page has open (one per server, however many widgets). */
  get connectionCount(): number {
    return this.#servers.size;
  }

  #hold(server: string, options: Partial<ConnectionOptions>): { socket: ServerSocket; release: () => void } {
    const url = socketUrl(server);
    let socket = this.#servers.get(url);
    if (!socket) {
      const name = this.#environment.savedName();
      const connection = new WidgetConnection({
        url,
        sessionStorage: this.#environment.session(url),
        ...(this.#environment.network ? { network: this.#environment.network } : {}),
        ...(name ? { name } : {}),
        ...options,
      });
      connection.connect();
      socket = new ServerSocket(connection);
      this.#servers.set(url, socket);
    }
    if (socket.closeTimer) clearTimeout(socket.closeTimer);
    socket.closeTimer = null;
    socket.users += 1;
    const held = socket;
    return { socket: held, release: once(() => this.#letGo(url, held)) };
  }

  #letGo(url: string, socket: ServerSocket): void {
    socket.users -= 1;
    if (socket.users > 0) return;
    socket.closeTimer = setTimeout(() => {
      this.#servers.delete(url);
      socket.connection.close();
    }, LINGER_MS);
  }
}

/** This page's shared sockets, kept in the browser's storage and following its network. */
export const pageSockets = new SharedSockets({
  session: sessionFor,
  ...(browserNetwork ? { network: browserNetwork } : {}),
  savedName,
  storeName,
});
