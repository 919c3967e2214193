/**
 * What the widget keeps in and learns from the browser: the session token and display name (localStorage, which
 * privacy settings may block), and the network's online/offline events. Everything works, for this page only,
 * without storage.
 */
import type { NetworkMonitor, SessionStorage } from './connection.js';

const NAME_KEY = 'image-chat:name';

function storage(): Storage | null {
  try {
    return typeof localStorage !== 'undefined' ? localStorage : null;
  } catch {
    return null; // blocked by privacy settings
  }
}

/** The session tokens of one socket URL (and of each tenant on it), kept in localStorage. */
export function sessionFor(socketUrl: string): SessionStorage {
  const key = (tenantId?: string) => `image-chat:session:${socketUrl}${tenantId ? ` ${tenantId}` : ''}`;
  return {
    load: (tenantId) => storage()?.getItem(key(tenantId)) ?? null,
    save: (token, tenantId) => { try { storage()?.setItem(key(tenantId), token); } catch { /* full or blocked: the session lasts this page only */ } },
  };
}

/** The display name this browser last used, or ''. */
export function savedName(): string {
  return storage()?.getItem(NAME_KEY) ?? '';
}

/** Remembers the display name for later pages. */
export function storeName(name: string): void {
  try { storage()?.setItem(NAME_KEY, name); } catch { /* kept for this page only */ }
}

/** `navigator.onLine` and the window's online/offline events; undefined outside a browser. */
export const browserNetwork: NetworkMonitor | undefined = typeof window === 'undefined' ? undefined : {
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
