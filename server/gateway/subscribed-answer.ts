/**
 * The `subscribed` answer to a subscribe, serialized once: its bytes are what the read budgets count and what
 * the socket is sent, so the size that is checked is the size that goes out. UTF-8 bytes shared by every
 * subscriber that shared the read: a crowd opening one image gets one buffer, framed once (ws-frame.ts).
 */
import { eventToWire, type ImageEvent, type ImageKey, type SubscribedMessage } from '../../shared/index.js';
import type { ReadResult } from '../store/types.js';

type SubscribedAnswer =
  | { ok: true; seq: number; frame: Buffer; bytes: number }
  /** Even the snapshot is larger than the cap: nothing is sent. */
  | { ok: false; bytes: number };

/** Reads an image the way a subscribe asks (`since` and `epoch` absent: a snapshot). */
type ImageReader = (key: ImageKey, since?: number, epoch?: string) => Promise<ReadResult>;

/** Answers already encoded, by read: subscribers that shared a read (read-batches.ts) share its frame too. */
const encodedReads = new WeakMap<ReadResult, { frame: Buffer; bytes: number }>();

function encode(key: ImageKey, result: ReadResult): { frame: Buffer; bytes: number } {
  let encoded = encodedReads.get(result);
  if (!encoded) {
    encoded = encodeAnswer(key, result);
    encodedReads.set(result, encoded);
  }
  return encoded;
}

function encodeAnswer(key: ImageKey, result: ReadResult): { frame: Buffer; bytes: number } {
  const answer: SubscribedMessage = result.reset
    ? { type: 'subscribed', tenantId: key.tenantId, urlId: key.urlId, seq: result.seq, epoch: result.epoch, reset: true, chats: result.chats }
    : { type: 'subscribed', tenantId: key.tenantId, urlId: key.urlId, seq: result.seq, epoch: result.epoch, reset: false, events: result.events.map(eventToWire) as ImageEvent[] };
  const frame = Buffer.from(JSON.stringify(answer));
  return { frame, bytes: frame.length };
}

/**
 * Reads and encodes the answer. A replay larger than `maxBytes` (many edits since `since`) is replaced by a
 * snapshot, which the protocol allows at any time and which is often smaller; a snapshot larger than
 * `maxBytes` (stored before the size caps, or the caps were lowered since) is refused.
 * @example
 * const answer = await subscribedAnswer((k, s, e) => service.read(k, s, e), key, 5, epoch, limits.MAX_SNAPSHOT_BYTES);
 * if (answer.ok) outbox.queueAnswer(answer.frame, answer.bytes);
 */
export async function subscribedAnswer(read: ImageReader, key: ImageKey, since: number | undefined, epoch: string | undefined, maxBytes: number): Promise<SubscribedAnswer> {
  let result = await read(key, since, epoch);
  let encoded = encode(key, result);
  if (encoded.bytes > maxBytes && !result.reset) {
    result = await read(key);
    encoded = encode(key, result);
  }
  if (encoded.bytes > maxBytes) return { ok: false, bytes: encoded.bytes };
  return { ok: true, seq: result.seq, ...encoded };
}
