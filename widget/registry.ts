/**
 * One connection per server per page: every widget that talks to a server shares its WebSocket; and one store
 * per image: two widgets showing the same image share its state. Both are reference-counted; a connection is
 * closed a moment after the last widget lets go (so moving an element in the DOM does not reconnect).
 */
import { imageTopic, type ImageKey } from '../shared/index.js';
import { WidgetConnection, type ConnectionOptions, type NetworkMonitor, type SessionStorage } from './connection.js';
import { ImageStore } from './store.js';

interface Entry {
  connection: WidgetConnection;
  users: number;
  closeTimer: ReturnType<typeof setTimeout> | null;
}

const entries = new Map<string, Entry>();
const NAME_KEY = 'image-chat:name';
/** How long an unused connection stays open, in case a widget comes right back. */
const LINGER_MS = 1000;

let scriptServer = '';

/** Sets the server widgets use when they have no `server` attribute (the entry point passes its own origin). */
export function setDefaultServer(url: string): void {
  scriptServer = url;
}

/** The server for widgets without a `server` attribute: where the script came from, else this page's origin. */
export function defaultServer(): string {
  return scriptServer || (typeof location !== 'undefined' ? location.origin : '');
}

/**
 * The WebSocket URL of a server: `https://host` → `wss://host/ws`; a path is kept, for a server behind a proxy
 * under a prefix (`https://host/chat/` → `wss://host/chat/ws`).
 */
export function socketUrl(server: string): string {
  const url = new URL(server, typeof location !== 'undefined' ? location.href : undefined);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const path = url.pathname.replace(/\/ws$/, '').replace(/\/+$/, '');
  return `${secure ? 'wss' : 'ws'}://${url.host}${path}/ws`;
}

function storage(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // blocked by privacy settings
  }
}

function sessionIn(key: string): SessionStorage {
  return {
    load: () => storage()?.getItem(key) ?? null,
    save: (token) => { try { storage()?.setItem(key, token); } catch { /* full or blocked: the session lasts this page only */ } },
  };
}

const browserNetwork: NetworkMonitor | undefined = typeof window === 'undefined' ? undefined : {
  online: () => navigator.onLine !== false,
  watch(listener) {
    const online = () => listener(true);
    const offline = () => listener(false);
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  },
};

/** The display name this browser last used, or ''. */
export function savedName(): string {
  return storage()?.getItem(NAME_KEY) ?? '';
}

/** Remembers the display name and tells every open connection. */
export function saveName(name: string): void {
  try { storage()?.setItem(NAME_KEY, name); } catch { /* kept for this page only */ }
  for (const entry of entries.values()) entry.connection.setName(name);
}

/**
 * The page's connection to `server`, created on first use. `options` apply only when this call creates it
 * (tests pass their own WebSocket or timings here). Call `releaseConnection` when done.
 * @example
 * const connection = acquireConnection('https://chat.example.com');
 */
export function acquireConnection(server: string, options: Partial<ConnectionOptions> = {}): WidgetConnection {
  const url = socketUrl(server);
  let entry = entries.get(url);
  if (!entry) {
    const name = savedName();
    const connection = new WidgetConnection({
      url,
      sessionStorage: sessionIn(`image-chat:session:${url}`),
      network: browserNetwork,
      ...(name ? { name } : {}),
      ...options,
    });
    connection.connect();
    entry = { connection, users: 0, closeTimer: null };
    entries.set(url, entry);
  }
  if (entry.closeTimer) clearTimeout(entry.closeTimer);
  entry.closeTimer = null;
  entry.users += 1;
  return entry.connection;
}

/** Lets go of a connection from `acquireConnection`; the last user's release closes it shortly after. */
export function releaseConnection(connection: WidgetConnection): void {
  for (const [url, entry] of entries) {
    if (entry.connection !== connection) continue;
    entry.users -= 1;
    if (entry.users > 0) return;
    entry.closeTimer = setTimeout(() => {
      entries.delete(url);
      connection.close();
    }, LINGER_MS);
    return;
  }
}

const stores = new Map<string, { store: ImageStore; users: number }>();

/**
 * The page's store of one image on `server`, created (and subscribed) on first use. Call `releaseStore` when done.
 * @example
 * const store = acquireStore('https://chat.example.com', { tenantId: 'acme', urlId: 'plan-2' });
 */
export function acquireStore(server: string, key: ImageKey): ImageStore {
  const id = `${socketUrl(server)} ${imageTopic(key)}`;
  let entry = stores.get(id);
  if (!entry) {
    entry = { store: new ImageStore(acquireConnection(server), key), users: 0 };
    stores.set(id, entry);
    entry.store.open();
  }
  entry.users += 1;
  return entry.store;
}

/** Lets go of a store from `acquireStore`; the last user's release unsubscribes it and releases its connection. */
export function releaseStore(store: ImageStore): void {
  for (const [id, entry] of stores) {
    if (entry.store !== store) continue;
    entry.users -= 1;
    if (entry.users > 0) return;
    stores.delete(id);
    store.close();
    releaseConnection(store.connection);
    return;
  }
}

/** How many server connections the page has open (one per server, however many widgets). */
export function openConnectionCount(): number {
  return entries.size;
}
