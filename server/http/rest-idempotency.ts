/**
 * Idempotent REST writes (docs/api.md#idempotent-retries): a request with an `Idempotency-Key` header (or, without
 * one, a `broadcastId` of the caller's) claims that key in the store before it writes, so across nodes exactly one
 * request of a key writes; it stores its answer there, and a repeat is answered with it and writes nothing.
 * A repeat while the first is still running is `409 conflict`; the same key with another body is refused.
 *
 * A write stored whose answer was never recorded (its node died in between) is found again: every write of a key
 * carries a broadcastId fixed by the key, and the request that takes over the lapsed claim looks for it in the
 * image's event log before writing.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Store } from '../store/types.js';
import { HttpError } from './http-error.js';
import { IDEMPOTENCY_KEEP_MS, IDEMPOTENCY_LEASE_MS, MAX_IDEMPOTENCY_KEY_LENGTH } from './api-limits.js';

/** An answer to give, and to keep for repeats. */
export interface RestAnswer {
  status: number;
  body: unknown;
}

/** Printable ASCII, as HTTP header values safely are. */
const KEY = /^[\x21-\x7e]+$/;

/** The key this request claims: the header's, else the caller's broadcastId; null when neither is given. */
export function idempotencyKeyOf(request: IncomingMessage, callerBroadcastId: string | undefined): string | null {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return callerBroadcastId === undefined ? null : `broadcast:${callerBroadcastId}`;
  if (typeof header !== 'string' || header.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY.test(header)) {
    throw new HttpError('invalid-field', `"Idempotency-Key" must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`);
  }
  return `header:${header}`;
}

/**
 * The broadcastId the server gives a write of this key: the same for every repeat (UUID-shaped, from a hash of
 * the tenant and the key), so a repeat can find the event a lost first attempt stored.
 */
export function broadcastIdForKey(tenantId: string, key: string): string {
  const hex = createHash('sha256').update(`${tenantId}\u0000${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

interface IdempotentWrite {
  /** Stores the write. Throws an HttpError for a refusal before anything is stored; what it returns is kept. */
  write: () => Promise<RestAnswer>;
  /** The answer of a write an earlier claim of the key stored but never answered, or null if it stored none. */
  recover: () => Promise<RestAnswer | null>;
}

/** Runs the write once per key (`key` null: no key, it just runs). */
export async function idempotent(
  store: Store,
  call: { tenantId: string; key: string | null; body: unknown },
  steps: IdempotentWrite,
): Promise<RestAnswer & { replayed: boolean }> {
  const { tenantId, key } = call;
  if (key === null) return { ...(await steps.write()), replayed: false };
  const fingerprint = createHash('sha256').update(JSON.stringify(call.body)).digest('base64url');
  const claim = await store.claimIdempotencyKey({ tenantId, key, fingerprint, now: Date.now(), leaseMs: IDEMPOTENCY_LEASE_MS, keepMs: IDEMPOTENCY_KEEP_MS });
  switch (claim.state) {
    case 'done':
      return { ...(JSON.parse(claim.answer) as RestAnswer), replayed: true };
    case 'in-flight':
      throw new HttpError('conflict', 'a request with this idempotency key is still being handled; retry in a moment');
    case 'mismatch':
      throw new HttpError('invalid-field', 'this idempotency key was used for another request; use a new key for a new write');
    case 'claimed':
      break;
  }
  let answer: RestAnswer;
  let replayed = false;
  try {
    const recovered = claim.takenOver ? await steps.recover() : null;
    replayed = recovered !== null;
    answer = recovered ?? await steps.write();
  } catch (error) {
    // A refusal before the store (HttpError): nothing was stored, so the key is let go and a retry may write.
    // Any other failure may have come after the store committed (an answer lost on the way back): the key stays
    // claimed, and the repeat that takes it over when the lease runs out finds the write if it was stored.
    if (error instanceof HttpError) await store.finishIdempotencyKey(tenantId, key, null).catch(() => undefined);
    throw error;
  }
  // The write is stored: its answer goes to the caller even if the store cannot keep it now. The key then stays
  // claimed until its lease runs out, and the repeat that takes it over finds the write (`recover`).
  await store.finishIdempotencyKey(tenantId, key, JSON.stringify(answer)).catch(() => undefined);
  return { ...answer, replayed };
}
