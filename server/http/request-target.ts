/**
 * Reads an HTTP request target (RFC 9112 §3.2) without throwing: whatever Node's parser let through, the answer
 * is a URL to route on or null, which the router answers with 400. `new URL(target, base)` alone throws on an
 * absolute-form target with a bad port (`http://a:99999/`) and reads `//x` as a host, not a path.
 */

/** Stands in for the host of an origin-form target; routes read only the path and the query. */
const BASE = 'http://localhost';

/**
 * The URL named by a request target, or null when it is none a route can answer: asterisk-form (`*`),
 * authority-form (`a:1`), a scheme other than http(s), or an absolute-form URL that does not parse.
 *
 * @example
 * parseRequestTarget('/demo?x=1')?.pathname; // '/demo'
 * parseRequestTarget('http://a:99999/'); // null
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  if (target === undefined || target === '') return null;
  // Origin-form: glued to the base, so `//healthz` stays the path `//healthz` instead of becoming a host.
  if (target.startsWith('/')) return parse(BASE + target);
  const url = parse(target);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  return url;
}

function parse(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
