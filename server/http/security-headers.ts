/**
 * Security headers of the pages this server renders itself: the demo and the dashboard. The widget bundle gets
 * none of these: it runs inside other sites' pages, under their policy.
 *
 * Both pages load only their own scripts, talk only to this host (fetch and the WebSocket) and are never
 * framed. The demo shows images by URL (site owners' `https:` images, `data:` placeholders); the dashboard
 * shows none but its own. Inline styles stay allowed because the demo and dashboard pages carry a `<style>` block
 * (the widget itself needs none: it places markers through the CSSOM, see docs/widget.md#content-security-policy);
 * CSS cannot run script, and user text is only ever rendered as text.
 */
import type { OutgoingHttpHeaders } from 'node:http';

const PAGES = ['demo', 'dashboard'] as const;
/** A page family: `/demo` and `/demo/*`, `/dashboard` and `/dashboard/*`. */
type Page = (typeof PAGES)[number];

/** A Host header fit to name in a policy: a DNS name or an IP literal, with an optional port. */
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The headers of a page, for a request that named `host`.
 *
 * `connect-src 'self'` covers ws:/wss: of the same host in current browsers (CSP Level 3); the explicit
 * `ws://host wss://host` keeps the socket working in browsers that read 'self' as the page's scheme only. An odd
 * Host header is left out of the policy rather than reflected into it.
 *
 * @example
 * response.writeHead(200, { ...pageSecurityHeaders('dashboard', request.headers.host), 'content-type': 'text/html' });
 */
export function pageSecurityHeaders(page: Page, host: string | undefined): OutgoingHttpHeaders {
  const sockets = host !== undefined && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  const images = page === 'demo' ? "'self' data: https:" : "'self' data:";
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src ${images}`,
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    // Neither page is meant to be framed; a framed demo would let another page trick visitors into posting.
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': policy,
    'x-frame-options': 'DENY',
    // The dashboard is an operator's page: nothing about it leaves it. The demo may tell image hosts its origin.
    'referrer-policy': page === 'dashboard' ? 'no-referrer' : 'strict-origin-when-cross-origin',
    'x-content-type-options': 'nosniff',
  };
}

/** The page family a path belongs to, if any. */
export function pageOf(pathname: string): Page | undefined {
  return PAGES.find((page) => pathname === `/${page}` || pathname.startsWith(`/${page}/`));
}
