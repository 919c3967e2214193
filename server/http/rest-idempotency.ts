/**
 * Idempotent REST writes (docs/api.md#idempotent-retries): a request with an `Idempotency-Key` header (or, without
 * one, a `broadcastId` of the caller's) claims that key in the store before it writes, so across nodes exactly one
 * request of a key writes; it stores its answer there, and a repeat is answered with it and writes nothing.
 * A repeat while the first is still running is `409 conflict`; the same key with another body is refused.
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
function keyOf(request: IncomingMessage, broadcastId: string | undefined): string | null {
  const header = request.headers['idempotency-key'];
  if (header === undefined) return broadcastId === undefined ? null : `broadcast:${broadcastId}`;
  if (typeof header !== 'string' || header.length > MAX_IDEMPOTENCY_KEY_LENGTH || !KEY.test(header)) {
    throw new HttpError('invalid-field', `"Idempotency-Key" must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`);
  }
  return `header:${header}`;
}

/**
 * Runs `write` once per key. `write` throws an HttpError for a refusal before anything is stored (the key is let
 * go, so a retry may write once the cause is gone); what it returns is stored with the key and answered to repeats.
 */
export async function idempotent(
  store: Store,
  request: IncomingMessage,
  call: { tenantId: string; body: unknown; broadcastId: string | undefined },
  write: () => Promise<RestAnswer>,
): Promise<RestAnswer & { replayed: boolean }> {
  const key = keyOf(request, call.broadcastId);
  if (key === null) return { ...(await write()), replayed: false };
  const fingerprint = createHash('sha256').update(JSON.stringify(call.body)).digest('base64url');
  const claim = await store.claimIdempotencyKey({
    tenantId: call.tenantId, key, fingerprint, now: Date.now(), leaseMs: IDEMPOTENCY_LEASE_MS, keepMs: IDEMPOTENCY_KEEP_MS,
  });
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
  try {
    answer = await write();
  } catch (error) {
    // Nothing was stored (or the store failed): let the key go so that a retry may write.
    await store.finishIdempotencyKey(call.tenantId, key, null).catch(() => undefined);
    throw error;
  }
  // The write is stored: its answer goes to the caller even if the store cannot keep it now. The key then stays
  // claimed until its lease runs out, and only a repeat after that could write again (docs/api.md says so).
  await store.finishIdempotencyKey(call.tenantId, key, JSON.stringify(answer)).catch(() => undefined);
  return { ...answer, replayed: false };
}
