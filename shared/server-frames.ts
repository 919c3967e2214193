/**
 * A light check of frames the client receives from the server. The server is trusted, but a proxy or a
 * newer server may send what this client does not know; such frames are skipped instead of breaking it.
 */
import type { ServerMessage } from './messages.js';

const KNOWN = new Set([
  'pong', 'welcome', 'subscribed', 'unsubscribed', 'ack', 'batch', 'resync', 'error',
  'new-image-chat', 'image-chat-updated', 'deleted-image-chat',
]);

/** Parses a server frame; returns null for anything that is not a known server message. */
export function parseServerFrame(raw: string): ServerMessage | null {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const type = (frame as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN.has(type)) return null;
  return frame as ServerMessage;
}
