/**
 * Session tokens for guests: the server signs a user id so the same browser keeps its identity (and so its right
 * to edit and delete its own comments) across reconnects and reloads. A token made for a tenant's hello is an
 * identity on that tenant only; rotating SESSION_SECRET revokes every token at once.
 * Formats: `v1.<userId>.<issuedAtMs>.<hmac>` (a connection's guest, any tenant without its own hello) and
 * `v2.<tenantId>.<userId>.<issuedAtMs>.<hmac>`; the HMAC is SHA-256 over everything before it.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** Tokens older than this are refused and the person gets a new identity. */
const TOKEN_MAX_AGE_MS = 365 * 24 * 3600 * 1000;

export class SessionSigner {
  constructor(private readonly secret: string) {}

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }

  /** Makes a token for a user id: for one tenant, or (without `tenantId`) for the connection. */
  issue(userId: string, tenantId?: string, now = Date.now()): string {
    const body = tenantId === undefined ? `v1.${userId}.${now}` : `v2.${tenantId}.${userId}.${now}`;
    return `${body}.${this.sign(body)}`;
  }

  /** The user id of a valid token made for `tenantId` (or, without it, for a connection), or null. */
  verify(token: string, tenantId?: string, now = Date.now()): string | null {
    const parts = token.split('.');
    const scoped = tenantId !== undefined;
    if (parts.length !== (scoped ? 5 : 4) || parts[0] !== (scoped ? 'v2' : 'v1')) return null;
    if (scoped && parts[1] !== tenantId) return null;
    const signature = parts[parts.length - 1]!;
    const [userId, issuedAt] = parts.slice(-3, -1) as [string, string];
    const expected = Buffer.from(this.sign(parts.slice(0, -1).join('.')));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const age = now - Number(issuedAt);
    if (!Number.isFinite(age) || age < 0 || age > TOKEN_MAX_AGE_MS) return null;
    return userId;
  }
}

/** A fresh user id for a person the server has not seen. */
export const newUserId = (): string => `u-${randomUUID()}`;
