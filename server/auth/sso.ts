/**
 * Checking a Secure SSO payload (FastComments-compatible): `verificationHash` must be the hex HMAC-SHA256 of
 * `String(timestamp) + userDataJSONBase64` under one of the tenant's API secrets, the timestamp within the last
 * SSO_MAX_AGE_MS (and not ahead of our clock by more than SSO_CLOCK_SKEW_MS), and the user JSON valid. Each
 * refusal has its own error code, so a site owner can tell what to fix.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  SSO_CLOCK_SKEW_MS, SSO_ID_PREFIX, SSO_MAX_AGE_MS, cleanName, hasControlCharacter, hasLoneSurrogate, isSafeAvatarUrl,
  type ErrorCode, type SecureSso,
} from '../../shared/index.js';

/** Longest site user id kept (it becomes part of an author id). */
const MAX_SSO_ID_LENGTH = 256;
/** Longest display name kept; longer ones are cut (a site's names are its own business). */
const MAX_SSO_NAME_LENGTH = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX_HMAC = /^[0-9a-fA-F]{64}$/;

/** A person the site signed in. `email` is never kept. */
export interface SsoIdentity {
  /** `sso:<the site's id>`: the author id of their comments on this tenant. */
  id: string;
  name: string;
  avatar?: string;
  /** The site says `isAdmin` or `isModerator`. */
  moderator: boolean;
}

export type SsoVerdict = { ok: true; identity: SsoIdentity } | { ok: false; code: ErrorCode; message: string };

const refuse = (code: ErrorCode, message: string): SsoVerdict => ({ ok: false, code, message });

/** The hex HMAC a site's server computes: what `verificationHash` must be. */
export function ssoHash(secret: string, timestamp: number, userDataJSONBase64: string): string {
  return createHmac('sha256', secret).update(String(timestamp) + userDataJSONBase64).digest('hex');
}

function signedWithOneOf(payload: SecureSso, secrets: readonly string[]): boolean {
  if (!HEX_HMAC.test(payload.verificationHash)) return false;
  const given = Buffer.from(payload.verificationHash.toLowerCase(), 'hex');
  return secrets.some((secret) => timingSafeEqual(Buffer.from(ssoHash(secret, payload.timestamp, payload.userDataJSONBase64), 'hex'), given));
}

/** The user data's text, strictly: standard base64 of UTF-8, or null. */
function decodeUserText(base64: string): string | null {
  if (!BASE64.test(base64)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(base64, 'base64'));
  } catch {
    return null;
  }
}

/** Marks JSON that does not parse (`JSON.parse` may well answer `null` for good JSON). */
const NOT_JSON = Symbol('not JSON');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function optionalString(user: Record<string, unknown>, field: string): string | undefined | null {
  const value = user[field];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : null;
}

function toIdentity(user: unknown): SsoVerdict {
  if (typeof user !== 'object' || user === null || Array.isArray(user)) return refuse('sso-user', 'the SSO user must be a JSON object');
  const fields = user as Record<string, unknown>;
  const rawId = typeof fields.id === 'number' && Number.isSafeInteger(fields.id) ? String(fields.id) : fields.id;
  if (typeof rawId !== 'string' || rawId.length === 0 || rawId.length > MAX_SSO_ID_LENGTH || hasControlCharacter(rawId)) {
    return refuse('sso-user', `the SSO user needs an "id": a string of 1 to ${MAX_SSO_ID_LENGTH} characters`);
  }
  const displayName = optionalString(fields, 'displayName');
  const username = optionalString(fields, 'username');
  if (displayName === null || username === null) return refuse('sso-user', '"displayName" and "username" must be strings');
  // Half a character (a lone surrogate, e.g. JSON's "\ud800") is not text both stores can hold.
  for (const [field, value] of [['id', rawId], ['displayName', displayName], ['username', username], ['avatar', fields.avatar]] as const) {
    if (typeof value === 'string' && hasLoneSurrogate(value)) return refuse('sso-user', `"${field}" is not valid Unicode (it holds half of a character)`);
  }
  const avatar = optionalString(fields, 'avatar');
  if (avatar === null || (avatar !== undefined && avatar !== '' && !isSafeAvatarUrl(avatar))) {
    return refuse('sso-user', '"avatar" must be an https URL or a small data:image URL (PNG, JPEG, GIF or WebP)');
  }
  for (const flag of ['isAdmin', 'isModerator'] as const) {
    if (fields[flag] !== undefined && fields[flag] !== null && typeof fields[flag] !== 'boolean') return refuse('sso-user', `"${flag}" must be true or false`);
  }
  // Cut by characters, never inside one (an emoji is two UTF-16 units).
  const name = Array.from(cleanName(displayName || username || '')).slice(0, MAX_SSO_NAME_LENGTH).join('').trim() || 'User';
  return {
    ok: true,
    identity: {
      id: `${SSO_ID_PREFIX}${rawId}`, name, ...(avatar ? { avatar } : {}),
      moderator: fields.isAdmin === true || fields.isModerator === true,
    },
  };
}

/**
 * @param secrets the tenant's API secrets that may have signed it (current first; see tenant-secrets.ts)
 * @example
 * const verdict = verifySecureSso(hello.sso, ssoSecretsOf(tenant, box));
 * if (!verdict.ok) return error(verdict.code, verdict.message, { for: 'hello', tenantId });
 */
export function verifySecureSso(payload: SecureSso, secrets: readonly string[], now = Date.now()): SsoVerdict {
  if (secrets.length === 0) return refuse('sso-not-set-up', 'this site has not set up SSO yet: its API secret must be rotated once');
  if (!signedWithOneOf(payload, secrets)) return refuse('sso-signature', 'the SSO payload is not signed with this site\'s API secret');
  if (payload.timestamp > now + SSO_CLOCK_SKEW_MS) return refuse('sso-future', 'the SSO payload is dated in the future; check the clock of the server that signs it');
  if (payload.timestamp < now - SSO_MAX_AGE_MS) return refuse('sso-expired', 'the SSO payload is more than 2 days old; sign the user in again');
  const text = decodeUserText(payload.userDataJSONBase64);
  if (text === null) return refuse('sso-encoding', 'userDataJSONBase64 is not standard base64 of UTF-8 text');
  const user = parseJson(text);
  if (user === NOT_JSON) return refuse('sso-json', 'the SSO user data is not valid JSON');
  return toIdentity(user);
}
