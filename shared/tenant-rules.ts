/**
 * Per-tenant rules: who may write, who may resolve, whether presence is on and shows names, whether simple SSO is on, and
 * where the site's sign-in page is. Set by the tenant (CLI, dashboard, REST); every node applies a change at once.
 */

/** `anyone`: guests too; `sso-only`: signed-in users (others read only); `nobody`: read-only for all. */
export const WRITE_POLICIES = ['anyone', 'sso-only', 'nobody'] as const;
export type WritePolicy = (typeof WRITE_POLICIES)[number];

/** `anyone` may resolve or reopen a thread, or only its marker's `authors-and-moderators`. */
export const RESOLVE_POLICIES = ['anyone', 'authors-and-moderators'] as const;
export type ResolvePolicy = (typeof RESOLVE_POLICIES)[number];

export interface TenantRules {
  write: WritePolicy;
  resolve: ResolvePolicy;
  /** Whether presence (who is viewing, who is typing) is sent at all; off: no presence frame for any of its images. */
  presence: boolean;
  /** Whether presence (who is viewing) shows people's names, or only counts. */
  presenceNames: boolean;
  /** Whether unsigned identities from the page (`simpleSso` in `hello`) are taken. */
  simpleSso: boolean;
  /** The site's sign-in page, linked from "sign in to comment" (https, or http for localhost). */
  loginUrl: string | null;
}

/** What a tenant starts with: open to everyone, as before rules existed. */
export const DEFAULT_RULES: TenantRules = { write: 'anyone', resolve: 'anyone', presence: true, presenceNames: true, simpleSso: false, loginUrl: null };

/** Longest login URL. */
const MAX_LOGIN_URL_LENGTH = 2048;

function isLoginUrl(value: string): boolean {
  if (value.length > MAX_LOGIN_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1'));
  } catch {
    return false;
  }
}

/**
 * Applies a partial change to `current`, refusing unknown fields and bad values with a message that names them.
 * @example
 * const next = changeRules(tenant.rules, { write: 'sso-only', loginUrl: 'https://example.com/login' });
 */
export function changeRules(current: TenantRules, change: unknown): { ok: true; rules: TenantRules } | { ok: false; message: string } {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) return { ok: false, message: 'rules must be a JSON object' };
  const next: TenantRules = { ...current };
  for (const [field, value] of Object.entries(change)) {
    switch (field) {
      case 'write':
        if (!WRITE_POLICIES.includes(value as WritePolicy)) return { ok: false, message: `"write" must be one of ${WRITE_POLICIES.join(', ')}` };
        next.write = value as WritePolicy;
        break;
      case 'resolve':
        if (!RESOLVE_POLICIES.includes(value as ResolvePolicy)) return { ok: false, message: `"resolve" must be one of ${RESOLVE_POLICIES.join(', ')}` };
        next.resolve = value as ResolvePolicy;
        break;
      case 'presence':
      case 'presenceNames':
      case 'simpleSso':
        if (typeof value !== 'boolean') return { ok: false, message: `"${field}" must be true or false` };
        next[field] = value;
        break;
      case 'loginUrl':
        if (value !== null && (typeof value !== 'string' || !isLoginUrl(value))) return { ok: false, message: '"loginUrl" must be an https URL (http only for localhost) or null' };
        next.loginUrl = value as string | null;
        break;
      default:
        return { ok: false, message: `unknown rule "${field.slice(0, 40)}"` };
    }
  }
  return { ok: true, rules: next };
}

/** Rules as stored (JSON text, possibly from an older release without some fields), with defaults filled in. */
export function parseStoredRules(text: string | null | undefined): TenantRules {
  if (!text) return { ...DEFAULT_RULES };
  try {
    const result = changeRules(DEFAULT_RULES, JSON.parse(text));
    return result.ok ? result.rules : { ...DEFAULT_RULES };
  } catch {
    return { ...DEFAULT_RULES };
  }
}
