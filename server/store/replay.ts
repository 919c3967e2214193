/**
 * Which subscribes a store may answer with a replay. Checked before any query, so a `since` past what an
 * INTEGER column holds, or an epoch no store ever made, is answered with a snapshot instead of reaching
 * PostgreSQL as a value it rejects (which would answer `unavailable` and log an error per frame).
 */
import { LIMITS } from '../../shared/index.js';
import type { ReadResult } from './types.js';

/** Epochs the stores make are UUIDs; anything else printable up to this length is compared, the rest cannot match. */
const PLAUSIBLE_EPOCH = /^[\x21-\x7e]{1,64}$/;

/** The `since` and `epoch` to replay from, or null when the answer must be a snapshot. */
export function replayFrom(since?: number, epoch?: string): { since: number; epoch: string } | null {
  if (since === undefined || epoch === undefined) return null;
  if (!Number.isSafeInteger(since) || since < 0 || since > LIMITS.MAX_SEQ) return null;
  if (!PLAUSIBLE_EPOCH.test(epoch)) return null;
  return { since, epoch };
}

/** The name of the setting that holds a database's epoch: what an image never written answers. */
export const STORE_EPOCH_SETTING = 'store-epoch';

/**
 * The answer for an image never written, stored nowhere: seq 0 and the store's epoch. A replay from 0 in
 * that epoch is exact (no events); anything else gets the empty snapshot.
 */
export function readUnwritten(storeEpoch: string, since?: number, epoch?: string): ReadResult {
  const replay = replayFrom(since, epoch);
  if (replay && replay.epoch === storeEpoch && replay.since === 0) return { reset: false, seq: 0, epoch: storeEpoch, events: [] };
  return { reset: true, seq: 0, epoch: storeEpoch, chats: [] };
}
