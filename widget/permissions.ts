/**
 * What the reader may do in the widget, from the `readonly` attribute, the tenant's rules and who the reader is
 * on the tenant (its `welcome`). The server decides every write anyway; these only choose what the widget offers.
 */
import type { Author, Chat, TenantRules, WelcomeUser } from '../shared/index.js';

/** `write`: the composer and one's own actions; `sign-in`: read only, with "sign in to comment"; `readonly`. */
export type WriteMode = 'write' | 'sign-in' | 'readonly';

/**
 * @example writeMode(false, { ...DEFAULT_RULES, write: 'sso-only' }, guest) // 'sign-in'
 */
export function writeMode(readonly: boolean, rules: TenantRules | null, user: WelcomeUser | null): WriteMode {
  if (readonly || rules?.write === 'nobody') return 'readonly';
  // Simple SSO users count as signed in: the server refuses only guests under `sso-only`.
  if (rules?.write === 'sso-only' && (user?.kind ?? 'guest') === 'guest' && !user?.moderator) return 'sign-in';
  return 'write';
}

/**
 * Whether the reader sees resolve/reopen on a thread: everyone who writes, or only its author and moderators.
 * Moderators may resolve even when the tenant takes no writes.
 */
export function mayResolve(mode: WriteMode, chat: Chat, me: WelcomeUser | null, moderator: boolean, rules: TenantRules | null): boolean {
  if (moderator) return true;
  return mode === 'write' && (rules?.resolve !== 'authors-and-moderators' || chat.author.id === me?.id);
}

/**
 * Whether the reader may delete what `author` wrote: `own` (at once), `other` (a moderator, after confirming), or
 * not at all. Moderators may delete even when the tenant takes no writes.
 */
export function deleteRight(mode: WriteMode, author: Author, me: WelcomeUser | null, moderator: boolean): 'own' | 'other' | null {
  const mine = me !== null && author.id === me.id;
  if (moderator) return mine ? 'own' : 'other';
  return mine && mode === 'write' ? 'own' : null;
}
