/** Which image-chat server a widget talks to, and the WebSocket URL of a server. */

let pageServer = '';
const serverListeners = new Set<() => void>();

/**
 * Sets the server widgets use when they have no `server` attribute: the served entry passes where the script came
 * from, `configure({ server })` what the page says. Widgets that were waiting for one connect.
 */
export function setDefaultServer(url: string): void {
  pageServer = url;
  for (const listener of serverListeners) listener();
}

/**
 * The server for widgets without a `server` attribute, or '' when none is known: never the page's own origin,
 * which is rarely the image-chat server (a bundled copy of the widget must be told with `configure`).
 */
export function defaultServer(): string {
  return pageServer;
}

/** Calls `listener` each time the default server is set; returns the function that stops it. */
export function onDefaultServer(listener: () => void): () => void {
  serverListeners.add(listener);
  return () => serverListeners.delete(listener);
}

/**
 * The WebSocket URL of a server: `https://host` → `wss://host/ws`; a path is kept, for a server behind a proxy
 * under a prefix (`https://host/chat/` → `wss://host/chat/ws`).
 * @example socketUrl('https://chat.example.com') // 'wss://chat.example.com/ws'
 */
export function socketUrl(server: string): string {
  const url = new URL(server, typeof location !== 'undefined' ? location.href : undefined);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const path = url.pathname.replace(/\/ws$/, '').replace(/\/+$/, '');
  return `${secure ? 'wss' : 'ws'}://${url.host}${path}/ws`;
}
