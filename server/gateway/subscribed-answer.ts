/**
 * The `subscribed` answer to a subscribe, serialized once: its bytes are what the read budgets count and what
 * the socket is sent, so the size that is checked is the size that goes out. UTF-8 bytes shared by every
 * subscriber that shared the read: a crowd opening one image gets one buffer, framed once (ws-frame.ts).
 */
import { eventToWire, type ImageEvent, type ImageKey, type SubscribedMessage } from '../../shared/index.js';
import type { ReadResult } from '../store/types.js';

export type SubscribedAnswer =
  | { readonly ok: true; readonly seq: number; readonly frame: Buffer; readonly bytes: number }
  /** Even the snapshot is larger than the cap: nothing is sent. */
  | { readonly ok: false; readonly bytes: number };

type Encoded = Extract<SubscribedAnswer, { ok: true }>;

/** A replay came out larger than the cap: read a snapshot instead (`answerTo`). */
export const READ_A_SNAPSHOT = 'read-a-snapshot';

/** Answers already encoded, by read: subscribers that shared a read (read-batches.ts) share its answer too. */
const encodedReads = new WeakMap<ReadResult, Encoded>();

function encode(key: ImageKey, result: ReadResult): Encoded {
  const known = encodedReads.get(result);
  if (known) return known;
  const encoded = encodeAnswer(key, result);
  encodedReads.set(result, encoded);
  return encoded;
}

function encodeAnswer(key: ImageKey, result: ReadResult): Encoded {
  const answer: SubscribedMessage = result.reset
    ? { type: 'subscribed', tenantId: key.tenantId, urlId: key.urlId, seq: result.seq, epoch: result.epoch, reset: true, chats: result.chats }
    : { type: 'subscribed', tenantId: key.tenantId, urlId: key.urlId, seq: result.seq, epoch: result.epoch, reset: false, events: result.events.map(eventToWire) as ImageEvent[] };
  const frame = Buffer.from(JSON.stringify(answer));
  return { ok: true, seq: result.seq, frame, bytes: frame.length };
}

/**
 * The answer to a subscribe from what was read. A replay larger than `maxBytes` (many edits since `since`) is
 * to be replaced by a snapshot (READ_A_SNAPSHOT), which the protocol allows at any time and which is often
 * smaller; a snapshot larger than `maxBytes` (stored before the size caps, or the caps were lowered since) is
 * refused. Synchronous, so that a subscribe waits for the store and nothing else.
 * @example
 * let answer = answerTo(key, await service.read(key, since, epoch), limits.MAX_SNAPSHOT_BYTES);
 * if (answer === READ_A_SNAPSHOT) answer = snapshotAnswerTo(key, await service.read(key), limits.MAX_SNAPSHOT_BYTES);
 * if (answer.ok) outbox.queueAnswer(answer.frame, answer.bytes);
 */
export function answerTo(key: ImageKey, result: ReadResult, maxBytes: number): SubscribedAnswer | typeof READ_A_SNAPSHOT {
  if (!result.reset && encode(key, result).bytes > maxBytes) return READ_A_SNAPSHOT;
  return snapshotAnswerTo(key, result, maxBytes);
}

/** The answer from a snapshot read after READ_A_SNAPSHOT (or any read): larger than `maxBytes` is refused. */
export function snapshotAnswerTo(key: ImageKey, result: ReadResult, maxBytes: number): SubscribedAnswer {
  const encoded = encode(key, result);
  return encoded.bytes <= maxBytes ? encoded : { ok: false, bytes: encoded.bytes };
}
