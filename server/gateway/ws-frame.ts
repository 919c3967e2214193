/**
 * A shared payload's WebSocket frame (an event, a presence frame, a `subscribed` answer), made once per node and
 * written as is to every subscriber's socket. ws frames each `send` on its own (a header per socket, then a corked
 * two-buffer write); an unmasked server text frame is the same bytes for every receiver, so the fan-out frames it
 * once (ws's own `Sender.frame`) and each delivery is one plain write of shared bytes (issue 14: CPU per delivery,
 * as uWebSockets' publish does).
 *
 * Writing to the socket under ws is safe here because nothing else queues in between: permessage-deflate is off
 * (`Gateway`), so ws's sender writes every frame (pings, closes, control frames) synchronously, in call order,
 * to the same socket; `bufferedAmount` still counts these bytes (the socket's writable length).
 */
import * as ws from 'ws';
import type { Socket } from 'node:net';

/** ws's frame builder (public in ws, not in its type declarations). */
type FrameBuilder = (data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }) => Buffer[];
const frameBuilder = (ws as unknown as { Sender?: { frame?: FrameBuilder } }).Sender?.frame;

const TEXT_OPCODE = 1;
const framedEvents = new WeakMap<Buffer, Buffer>();

/**
 * The whole text frame of `payload`. `keep`: kept as long as the payload is (an event, which subscribers of
 * different images may ask for in turns); otherwise only the last one made is kept (a frame most often sent to
 * one subscriber, a joiner's presence snapshot, is not worth an entry of its own).
 */
export function textFrameOf(payload: Buffer, keep = true): Buffer | null {
  if (!frameBuilder) return null;
  // A fan-out asks for one payload's frame once per subscriber in a row: the last one answers without a lookup.
  if (payload === lastPayload) return lastFrame;
  let frame = keep ? framedEvents.get(payload) : undefined;
  if (!frame) {
    frame = Buffer.concat(frameBuilder(payload, { fin: true, opcode: TEXT_OPCODE, mask: false, readOnly: true, rsv1: false }));
    if (keep) framedEvents.set(payload, frame);
  }
  lastPayload = payload;
  lastFrame = frame;
  return frame;
}

let lastPayload: Buffer | null = null;
let lastFrame: Buffer | null = null;

/** The TCP socket under a ws WebSocket, or null where ws keeps none (closed, or a ws that no longer exposes it). */
export function rawSocketOf(socket: ws.WebSocket): Socket | null {
  const raw = (socket as unknown as { _socket?: Socket | null })._socket;
  return raw && typeof raw.write === 'function' ? raw : null;
}

/**
 * Lets go of the storage of ws's list of received chunks once it is empty. V8 keeps an array's capacity when it
 * is emptied by `shift`, so every connection that ever sent a frame held ~120 bytes of empty list (issue 14:
 * memory per idle connection); `length = 0` on an empty list frees it and changes nothing else.
 */
export function releaseEmptyReceiveList(socket: ws.WebSocket): void {
  const chunks = (socket as unknown as { _receiver?: { _buffers?: unknown } })._receiver?._buffers;
  if (Array.isArray(chunks) && chunks.length === 0) chunks.length = 0;
}

/** A server's ping without payload: two bytes, the same for every socket, so a heartbeat frames nothing per ping. */
const PING_FRAME = Buffer.from([0x89, 0x00]);

/** Pings `socket` with the shared frame, in one plain write (through ws where it keeps no socket of its own). */
export function sendPing(socket: ws.WebSocket): void {
  const raw = rawSocketOf(socket);
  if (raw && socket.readyState === socket.OPEN) raw.write(PING_FRAME);
  else socket.ping();
}
