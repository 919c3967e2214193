/**
 * A light check of frames the client receives from the server. The server is trusted, but a proxy or a
 * newer server may send what this client does not know; such frames are skipped instead of breaking it.
 */
import type { AdminServerMessage, ImageEvent, ServerMessage } from './messages.js';
import { eventFromWire } from './event-wire.js';

/** Any frame a server sends: an image subscriber's, or a tenant admin's (the dashboard's feed). */
export type AnyServerMessage = ServerMessage | AdminServerMessage;

/** Every server frame type, as a record so that a type added to either union but not here fails to compile. */
const SERVER_FRAME_TYPES: Record<AnyServerMessage['type'], true> = {
  pong: true, welcome: true, subscribed: true, unsubscribed: true, ack: true, batch: true, resync: true, error: true,
  'new-image-chat': true, 'image-chat-updated': true, 'deleted-image-chat': true, 'tenant-event': true,
  presence: true,
};
const KNOWN: ReadonlySet<string> = new Set(Object.keys(SERVER_FRAME_TYPES));

/** Parses a server frame; returns null for anything that is not a known server message. */
export function parseServerFrame(raw: string): AnyServerMessage | null {
  let frame: unknown;
  try {
    frame = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return null;
  const type = (frame as { type?: unknown }).type;
  if (typeof type !== 'string' || !KNOWN.has(type)) return null;
  return restored(frame as AnyServerMessage);
}

/** The frame with its events whole again (event-wire.ts): new markers come without what the client can derive. */
export function restored(frame: AnyServerMessage): AnyServerMessage {
  switch (frame.type) {
    case 'new-image-chat':
      return eventFromWire(frame);
    case 'batch':
      return { ...frame, events: frame.events.map((event) => eventFromWire(event)) };
    case 'subscribed':
      return 'events' in frame ? { ...frame, events: frame.events.map((event) => eventFromWire(event)) } : frame;
    case 'tenant-event':
      return { ...frame, event: eventFromWire(frame.event as ImageEvent) };
    default:
      return frame;
  }
}
