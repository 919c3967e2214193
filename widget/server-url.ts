/** Which image-chat server a widget talks to, and the WebSocket URL of a server. */

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
 * @example socketUrl('https://chat.example.com') // 'wss://chat.example.com/ws'
 */
export function socketUrl(server: string): string {
  const url = new URL(server, typeof location !== 'undefined' ? location.href : undefined);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  const path = url.pathname.replace(/\/ws$/, '').replace(/\/+$/, '');
  return `${secure ? 'wss' : 'ws'}://${url.host}${path}/ws`;
}
