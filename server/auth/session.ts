/**
 * Session tokens for anonymous people: the server signs a user id so the same browser keeps its identity
 * (and so its right to edit and delete its own comments) across reconnects and reloads.
 * Format: `v1.<userId>.<issuedAtMs>.<hmac>`; the HMAC is SHA-256 over the first three parts.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** Tokens older than this are refused and the person gets a new identity. */
const TOKEN_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

export class SessionSigner {
  constructor(private readonly secret: string) {}

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  /** Makes a token for a user id. */
  issue(userId: string, now = Date.now()): string {
    const body = `v1.${userId}.${now}`;
    return `${body}.${this.sign(body)}`;
  }

  /** Returns the user id of a valid token, or null. */
  verify(token: string, now = Date.now()): string | null {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    const [version, userId, issuedAt, signature] = parts as [string, string, string, string];
    const expected = Buffer.from(this.sign(`${version}.${userId}.${issuedAt}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const age = now - Number(issuedAt);
    if (!Number.isFinite(age) || age < 0 || age > TOKEN_MAX_AGE_MS) return null;
    return userId;
  }
}

/** A fresh user id for a person the server has not seen. */
export const newUserId = (): string => `u-${randomUUID()}`;
