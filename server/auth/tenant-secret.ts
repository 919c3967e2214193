/**
 * Tenant API secrets. Secrets are 256 random bits, so a fast SHA-256 hash is enough to keep the stored
 * value useless to a reader of the database (no password-style stretching needed).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const newTenantSecret = (): string => `ics_${randomBytes(32).toString('base64url')}`;

export const hashTenantSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashTenantSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
