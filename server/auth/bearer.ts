/**
 * REST authentication of a tenant by its API secret (`Authorization: Bearer <secret>`). The secret is looked
 * up by its SHA-256 hash: the stored value is a hash of 256 random bits, so finding it by index leaks nothing
 * a timing attacker could use (they would need a preimage).
 */
import type { IncomingMessage } from 'node:http';
import type { Store } from '../store/types.js';
import { hashTenantSecret } from './tenant-secret.js';

type TenantAuth =
  | { ok: true }
  | { ok: false; code: 'unauthorized' | 'forbidden'; message: string };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `unauthorized` (401) for a missing or unknown secret, `forbidden` (403) for another tenant's secret. */
export async function authorizeTenant(store: Store, request: IncomingMessage, tenantId: string): Promise<TenantAuth> {
  const match = BEARER.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return { ok: false, code: 'unauthorized', message: 'send the tenant\'s API secret as "Authorization: Bearer <secret>"' };
  const owner = await store.findTenantBySecretHash(hashTenantSecret(match[1]));
  if (owner === null) return { ok: false, code: 'unauthorized', message: 'the API secret is not valid' };
  if (owner !== tenantId) return { ok: false, code: 'forbidden', message: 'this secret belongs to another tenant' };
  return { ok: true };
}
