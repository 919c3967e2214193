/**
 * What a raw WebSocket client actually received of image events, measured the way usage metering defines
 * it: one per event (a `batch` counts its events) and the frame's size in bytes as received. `presence` frames
 * are pub/sub traffic too (one message each, and their bytes), counted apart.
 */
import type WebSocket from 'ws';

export interface Received {
  events: number;
  bytes: number;
  /** Events per image (`urlId`). */
  perImage: Map<string, number>;
  /** Presence frames and their bytes. */
  presence: number;
  presenceBytes: number;
  /** Presence frames per image. */
  presencePerImage: Map<string, number>;
}

const EVENT_TYPES = new Set(['new-image-chat', 'image-chat-updated', 'deleted-image-chat']);

const size = (data: WebSocket.RawData): number =>
  Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;

/** Starts counting what `socket` receives from now on. */
export function countReceived(socket: WebSocket): Received {
  const received: Received = { events: 0, bytes: 0, perImage: new Map(), presence: 0, presenceBytes: 0, presencePerImage: new Map() };
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; urlId?: string; events?: { urlId: string }[] };
    if (frame.type === 'presence') {
      received.presence += 1;
      received.presenceBytes += size(data);
      received.presencePerImage.set(frame.urlId ?? '', (received.presencePerImage.get(frame.urlId ?? '') ?? 0) + 1);
      return;
    }
    const events = frame.type === 'batch' ? (frame.events ?? []) : EVENT_TYPES.has(frame.type) ? [{ urlId: frame.urlId ?? '' }] : [];
    if (events.length === 0) return;
    received.events += events.length;
    received.bytes += size(data);
    for (const event of events) received.perImage.set(event.urlId, (received.perImage.get(event.urlId) ?? 0) + 1);
  });
  return received;
}

/** Sums several clients' counts. */
export function total(all: Received[]): Received {
  const sum: Received = { events: 0, bytes: 0, perImage: new Map(), presence: 0, presenceBytes: 0, presencePerImage: new Map() };
  for (const one of all) {
    sum.events += one.events;
    sum.bytes += one.bytes;
    sum.presence += one.presence;
    sum.presenceBytes += one.presenceBytes;
    for (const [urlId, count] of one.perImage) sum.perImage.set(urlId, (sum.perImage.get(urlId) ?? 0) + count);
    for (const [urlId, count] of one.presencePerImage) sum.presencePerImage.set(urlId, (sum.presencePerImage.get(urlId) ?? 0) + count);
  }
  return sum;
}
