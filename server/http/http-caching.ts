/**
 * How long clients and CDNs may keep a static file, and revalidation: each file version's ETag and the
 * `If-None-Match` check that answers 304.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A year: the longest max-age caches honour. Only for names that carry their content's hash. */
export const IMMUTABLE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;
/** Five minutes: how long a page may keep `/widget.js` before asking again (a new release reaches it by then). */
export const SHORT_MAX_AGE_SECONDS = 300;

/**
 * A versioned bundle name (`widget.3f9a0c2d1b.js`, made by scripts/build.mjs): ten hex digits of its content's
 * SHA-256 before the extension. Its content never changes, so caches may keep it for good.
 */
const VERSIONED_NAME = /(^|\/)[\w.-]+\.[0-9a-f]{10}\.(js|css)$/;

/** True for a path whose file name carries its content's hash. */
export function isVersioned(path: string): boolean {
  return VERSIONED_NAME.test(path);
}

/**
 * `Cache-Control` for a static file: HTML is revalidated every time, a versioned bundle is immutable for a year,
 * anything else (the stable `/widget.js`) is kept briefly and then revalidated with its ETag.
 */
export function cacheControlFor(path: string, contentType: string): string {
  if (contentType.startsWith('text/html')) return 'no-cache';
  if (isVersioned(path)) return `public, max-age=${IMMUTABLE_MAX_AGE_SECONDS}, immutable`;
  return `public, max-age=${SHORT_MAX_AGE_SECONDS}`;
}

/** The strong ETag of some bytes (their SHA-256, shortened); an encoded variant adds its coding (`"…-br"`). */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

/** The ETag of `etag`'s file sent in `encoding`: each representation has its own, as RFC 9110 asks. */
export function encodedEtag(etag: string, encoding: string | null): string {
  return encoding ? `${etag.slice(0, -1)}-${encoding}"` : etag;
}

/**
 * True when the request's `If-None-Match` names `etag` (weak comparison, as RFC 9110 specifies for it), or is
 * `*`: the client's copy is current, and the answer is 304 without a body.
 */
export function clientHasCurrent(request: IncomingMessage, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}
