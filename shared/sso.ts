/**
 * Sign-in with the site's own users. Secure SSO is compatible with FastComments': the site's server signs the
 * user with the tenant's API secret, and the widget passes the three fields on in `hello`. Simple SSO (a tenant
 * option, off by default) takes an unsigned name from the page and shows such people as unverified.
 *
 * Author ids say where an identity comes from, so that no one can take another's: `sso:<id>` for a user the
 * site signed, `simple:<id>` for an unsigned one, and `u-<uuid>` for an anonymous guest (made by the server).
 */

/** The signed payload a site's server makes for one user (FastComments' Secure SSO). */
export interface SecureSso {
  /** Base64 (standard alphabet) of the user's JSON (`SsoUserData`). */
  userDataJSONBase64: string;
  /** Hex HMAC-SHA256 with the tenant's API secret as key, over `String(timestamp) + userDataJSONBase64`. */
  verificationHash: string;
  /** When the payload was signed, milliseconds since the epoch. */
  timestamp: number;
}

/** The unsigned identity a page gives, when its tenant allows simple SSO. */
export interface SimpleSso {
  name: string;
  /** The site's own id for the person; without it the name is the id. */
  id?: string;
  avatar?: string;
}

/** The user in a Secure SSO payload. Unknown fields are ignored; `email` never leaves the server. */
export interface SsoUserData {
  /** The site's id for the user (required), scoped to the tenant. */
  id: string;
  username?: string;
  displayName?: string;
  email?: string;
  /** An https URL or a small `data:image/…` URL. */
  avatar?: string;
  isAdmin?: boolean;
  isModerator?: boolean;
}

/** How old a signed payload may be: FastComments' window. */
export const SSO_MAX_AGE_MS = 2 * 24 * 60 * 60 * 1000;
/** How far in the future a payload's timestamp may lie: clocks of the site's server and ours differ a little. */
export const SSO_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Longest `userDataJSONBase64`: a user with a small data-URL avatar fits easily. */
export const MAX_SSO_USER_DATA_LENGTH = 16 * 1024;
/** Longest avatar URL: an https URL, or a small inline image. */
export const MAX_AVATAR_LENGTH = 8 * 1024;

/** The author-id prefixes: a signed SSO user, an unsigned (simple SSO) one. Guests' ids start with `u-`. */
export const SSO_ID_PREFIX = 'sso:';
export const SIMPLE_ID_PREFIX = 'simple:';

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/**
 * True for an avatar the widget may show: an https URL, or a base64 PNG, JPEG, GIF or WebP data URL (never SVG,
 * which can carry script), no longer than MAX_AVATAR_LENGTH.
 */
export function isSafeAvatarUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_AVATAR_LENGTH) return false;
  if (DATA_IMAGE.test(url)) return true;
  if (!url.startsWith('https://')) return false;
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

/** Where an author's identity comes from, read from the id's prefix. */
export function identityKind(authorId: string): 'sso' | 'simple' | 'guest' {
  if (authorId.startsWith(SSO_ID_PREFIX)) return 'sso';
  if (authorId.startsWith(SIMPLE_ID_PREFIX)) return 'simple';
  return 'guest';
}
