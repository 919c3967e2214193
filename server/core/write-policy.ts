/**
 * The tenant's rule of who may write, applied to one write before it is stored. The rule of who may resolve
 * is the planner's (it needs the marker's author: `Actor.mayResolveOthers` in plan.ts).
 */
import type { ErrorCode, TenantRules, WriteMessage } from '../../shared/index.js';

/** Who writes, as the rules see them. */
export interface Writer {
  kind: 'sso' | 'simple' | 'guest';
  /** An SSO admin or moderator, or the tenant's admin (its API secret). */
  moderator: boolean;
}

/** Moderation: what a moderator may still do on a read-only (`nobody`) site. */
const MODERATION: ReadonlySet<WriteMessage['type']> = new Set(['delete-comment', 'delete-chat', 'resolve-chat']);

/**
 * Null when `writer` may make this write under `rules`, else the refusal.
 * @example
 * const refusal = writeRefusal(tenant.rules, { kind: 'guest', moderator: false }, message);
 * if (refusal) return error(refusal.code, refusal.message);
 */
export function writeRefusal(rules: TenantRules, writer: Writer, message: WriteMessage): { code: ErrorCode; message: string } | null {
  // An unsigned identity taken while simple SSO was on writes no more once the tenant turned it off.
  if (writer.kind === 'simple' && !rules.simpleSso && !writer.moderator) {
    return { code: 'sign-in-required', message: 'this site no longer takes unsigned sign-ins; sign in again' };
  }
  if (rules.write === 'nobody') {
    if (writer.moderator && MODERATION.has(message.type)) return null;
    return { code: 'forbidden', message: 'this site is read-only: it takes no new comments or changes' };
  }
  if (rules.write === 'sso-only' && writer.kind === 'guest' && !writer.moderator) {
    return { code: 'sign-in-required', message: 'sign in to comment on this site' };
  }
  return null;
}
