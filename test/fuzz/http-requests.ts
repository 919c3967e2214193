/**
 * Hostile HTTP/1.1 requests for the HTTP fuzzer, as raw bytes drawn from a seeded PRNG so a failing run can be
 * replayed with `FUZZ_SEED`: every route of the server in origin-, absolute-, authority- and asterisk-form,
 * odd ports and hosts, bad percent escapes, IPv6 literals, very long targets, NULs and control bytes, unknown
 * methods and versions, duplicated, oversized and malformed headers, chunked bodies that lie, Content-Length
 * mismatches, WebSocket upgrades with and without their headers, pipelined followers, and byte-level mutations.
 */
import type { Random } from './ws-frames.js';

const int = (random: Random, below: number): number => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)]!;
const chance = (random: Random, p: number): boolean => random() < p;

/** Every route the server answers, and a few it does not. */
export const ROUTES = [
  '/', '/healthz', '/readyz', '/metrics', '/demo', '/demo/', '/demo/classic.html', '/demo/classic.js', '/demo/floor-plan.svg',
  '/dashboard', '/dashboard/dashboard.js', '/widget.js', '/widget.iife.js', '/widget.js.map',
  '/api/v1/tenants/demo/usage', '/api/v1/tenants/demo/live', '/api/v1/tenants/demo/top-images?limit=5',
  '/api/v1/tenants/fuzz/usage?from=2026-01-01&to=2026-01-31', '/api/v1/tenants/fuzz/usage?from=2026-13-01', '/api/v1/tenants/fuzz/top-images?limit=0',
  '/api/v1/tenants/nope/usage', '/api/v1/tenants/fuzz/webhooks', '/api/v1/tenants/fuzz/webhooks/wh_x', '/api/v1/tenants/fuzz/webhooks/wh_x/rotate-secret',
  '/api/v1/tenants/fuzz/webhooks/wh_x/deliveries?limit=0&cursor=%7B', '/api/v1/tenants/fuzz/webhooks/wh_x/deliveries/999999999999999999/resend', '/api/v1/tenants/', '/ws', '/ws?x=1', '/nothing', '/demo/../../etc/passwd', '/.git/config',
] as const;

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PRI', 'BREW', 'get', 'G T', 'GET\0', 'M-SEARCH', 'PROPFIND', ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.', 'HTTP/1.1 x', 'HTTP/9.9', ''];
const AUTHORITIES = [
  'a', 'a:80', 'a:99999', 'a:0', 'a:-1', 'a:65536', 'a:8080x', '[::1]', '[::1]:0', '[::1', '[::ffff:127.0.0.1]:8080', '[fe80::1%25eth0]',
  'user@host', 'user:pw@host:1', '@', '%zz', 'a%00b', 'xn--nxasmq6b', '127.0.0.1', '0x7f.1', '256.256.256.256', 'a..b', 'a b',
];
const SCHEMES = ['http://', 'http://', 'https://', 'HTTP://', 'ftp://', 'ws://', 'http:/', 'http:', 'javascript:', '//'];
const ESCAPES = ['%', '%z', '%zz', '%E0%A4%A', '%00', '%ff', '%2e%2e/', '%2F', '%C0%AE', '%u002e', '%%', '%25'];
const ODD_BYTES = ['\0', '\x01', '\x07', '\x1b', '\x7f', '\t', ' ', '\r', '\n', '\xff', 'é', '\u202e', '"', '<', '\\', '#', '?', '{'];

/** The pieces a request is built from, for the fuzzer's failure message. */
export interface FuzzRequest {
  /** What kind of request this is, in a few words. */
  kind: string;
  bytes: Buffer;
  /** The request line starts with HEAD: its answer has no body. */
  head: boolean;
}

export interface RequestContext {
  /** A tenant id and its API secret, for `Authorization: Bearer …`. */
  tenantId: string;
  secret: string;
}

/** One hostile request. */
export function hostileRequest(random: Random, context: RequestContext): FuzzRequest {
  const kinds: string[] = [];
  const method = chance(random, 0.85) ? 'GET' : pick(random, METHODS);
  const target = requestTarget(random, kinds);
  const version = chance(random, 0.93) ? 'HTTP/1.1' : pick(random, VERSIONS);
  if (version !== 'HTTP/1.1') kinds.push(`version ${JSON.stringify(version)}`);
  const headers = requestHeaders(random, target, context, kinds);
  const { extra, body } = requestBody(random, kinds);
  const eol = chance(random, 0.97) ? '\r\n' : pick(random, ['\n', '\r', '\n\r']);
  if (eol !== '\r\n') kinds.push('odd line ends');
  let text = `${method} ${target} ${version}${eol}${[...headers, ...extra].map((line) => line + eol).join('')}${eol}${body}`;
  if (chance(random, 0.08)) {
    text += pick(random, ['GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n', 'GARBAGE\r\n\r\n', 'GET /widget.js HTTP/1.1\r\n\r\n', '\r\n\r\n', '0\r\n\r\n']);
    kinds.push('pipelined follower');
  }
  let bytes: Buffer = Buffer.from(text, 'latin1');
  if (chance(random, 0.08)) {
    bytes = mutateBytes(random, bytes);
    kinds.push('byte mutations');
  }
  return { kind: `${method || '(no method)'} ${kinds.join(', ') || 'plain'}`, bytes, head: bytes.subarray(0, 5).toString('latin1') === 'HEAD ' };
}

function requestTarget(random: Random, kinds: string[]): string {
  let path: string = pick(random, ROUTES);
  switch (int(random, 10)) {
    case 0: case 1: {
      kinds.push('absolute-form');
      path = `${pick(random, SCHEMES)}${pick(random, AUTHORITIES)}${path}`;
      break;
    }
    case 2: if (chance(random, 0.5)) { kinds.push('authority-form'); path = pick(random, AUTHORITIES); } break;
    case 3: if (chance(random, 0.3)) { kinds.push('asterisk-form'); path = '*'; } break;
    default: break;
  }
  if (chance(random, 0.2)) {
    kinds.push('bad escapes');
    path += pick(random, ESCAPES) + (chance(random, 0.5) ? pick(random, ESCAPES) : '');
  }
  if (chance(random, 0.05)) {
    kinds.push('odd bytes in the target');
    const at = int(random, path.length + 1);
    path = path.slice(0, at) + pick(random, ODD_BYTES) + path.slice(at);
  }
  if (chance(random, 0.1)) {
    kinds.push('dot segments');
    path = path.replace(/\/?$/, pick(random, ['/..', '/../..', '/./.', '//', '\\..\\', '/%2e%2e/%2e%2e']));
  }
  if (chance(random, 0.05)) {
    kinds.push('very long target');
    path += `?${'a'.repeat(pick(random, [2_000, 9_000, 17_000, 70_000]))}`;
  }
  if (chance(random, 0.1)) {
    kinds.push('query');
    path += `${path.includes('?') ? '&' : '?'}${pick(random, ['from=x', 'limit=-1', 'limit=1e309', 'a=%', 'a[]=1&a[]=2', '=', '&&&', 'from=2026-02-30'])}`;
  }
  return path;
}

function requestHeaders(random: Random, target: string, context: RequestContext, kinds: string[]): string[] {
  const headers: string[] = [];
  switch (int(random, 12)) {
    case 0: kinds.push('no host'); break;
    case 1: kinds.push('two hosts'); headers.push('Host: a', 'Host: b'); break;
    case 2: kinds.push('odd host'); headers.push(`Host: ${pick(random, [...AUTHORITIES, '', 'a;script-src *', 'a\tb', '\xff'])}`); break;
    default: headers.push('Host: 127.0.0.1');
  }
  if (target.includes('/api/') || chance(random, 0.05)) {
    const auth = pick(random, [
      null, `Bearer ${context.secret}`, `Bearer ${context.secret}`, 'Bearer wrong', 'Bearer ', 'Basic YTpi', `bearer ${context.secret}`,
      `Bearer ${'x'.repeat(5_000)}`, `Bearer ${context.secret}\0`, 'Bearer \xff\xfe',
    ]);
    if (auth !== null) {
      kinds.push('authorization');
      headers.push(`Authorization: ${auth}`);
    }
  }
  // /ws also without upgrade headers; and now and then an upgrade to a route that is not /ws.
  if ((target.includes('/ws') && chance(random, 0.75)) || chance(random, 0.05)) {
    kinds.push('upgrade');
    // Each part right most of the time, so that some handshakes complete and the socket path runs too.
    if (chance(random, 0.9)) headers.push(`Connection: ${chance(random, 0.8) ? 'Upgrade' : pick(random, ['upgrade', 'keep-alive, Upgrade', 'close'])}`);
    if (chance(random, 0.9)) headers.push(`Upgrade: ${chance(random, 0.8) ? 'websocket' : pick(random, ['WebSocket', 'h2c', 'foo', ''])}`);
    if (chance(random, 0.9)) headers.push(`Sec-WebSocket-Version: ${chance(random, 0.8) ? '13' : pick(random, ['8', '99', 'x'])}`);
    if (chance(random, 0.9)) headers.push(`Sec-WebSocket-Key: ${chance(random, 0.8) ? 'dGhlIHNhbXBsZSBub25jZQ==' : pick(random, ['short', '', '!!!!!!!!!!!!!!!!!!!!!!!!'])}`);
    if (chance(random, 0.3)) headers.push(`Origin: ${pick(random, ['https://evil.example', 'null', 'http://127.0.0.1', ''])}`);
  }
  // Most requests keep headers the parser takes, so that routes, not the parser, answer the bulk of them.
  const odd = chance(random, 0.2) ? 1 + int(random, 2) : 0;
  for (let i = 0; i < odd; i += 1) headers.push(oddHeader(random, kinds));
  if (chance(random, 0.1)) headers.push(`Connection: ${pick(random, ['close', 'keep-alive', 'close, close', 'x'])}`);
  return headers;
}

function oddHeader(random: Random, kinds: string[]): string {
  switch (int(random, 12)) {
    case 0: kinds.push('header without colon'); return 'X-No-Colon';
    case 1: kinds.push('space before colon'); return 'X-Space : 1';
    case 2: kinds.push('folded header'); return 'X-Fold: a\r\n b';
    case 3: kinds.push('oversized header'); return `X-Big: ${'b'.repeat(pick(random, [8_000, 17_000, 40_000]))}`;
    case 4: kinds.push('many headers'); return Array.from({ length: pick(random, [100, 2_100]) }, (_, i) => `X-${i}: ${i}`).join('\r\n');
    case 5: kinds.push('NUL in a header'); return 'X-Nul: a\0b';
    case 6: kinds.push('non-ASCII header'); return `X-Bytes: ${pick(random, ['\xff\xfe', 'é', '\x80'])}`;
    case 7: kinds.push('bad header name'); return `${pick(random, ['X Y', '(x)', 'X\0', '', ':'])}: 1`;
    case 8: kinds.push('expect'); return `Expect: ${pick(random, ['100-continue', 'x'])}`;
    case 9: kinds.push('x-forwarded-for'); return `X-Forwarded-For: ${pick(random, ['1.2.3.4', '::1, 1.1.1.1', 'garbage', '999.1.1.1', ''])}`;
    case 10: kinds.push('cookie'); return `Cookie: ${'a=b; '.repeat(int(random, 50))}`;
    default: kinds.push('random header'); return `X-R${int(random, 1000)}: ${pick(random, ODD_BYTES)}`;
  }
}

function requestBody(random: Random, kinds: string[]): { extra: string[]; body: string } {
  const content = pick(random, ['', 'a', '{"x":1}', 'x'.repeat(1_000), '\0\0\0']);
  switch (int(random, 24)) {
    case 0: kinds.push('content-length'); return { extra: [`Content-Length: ${content.length}`], body: content };
    case 1: kinds.push('content-length longer than the body'); return { extra: [`Content-Length: ${content.length + 1 + int(random, 100)}`], body: content };
    case 2: kinds.push('content-length shorter than the body'); return { extra: [`Content-Length: ${Math.max(0, content.length - 1)}`], body: `${content}zz` };
    case 3: kinds.push('odd content-length'); return { extra: [`Content-Length: ${pick(random, ['-1', '1e3', ' 5', '0x10', '99999999999999999999', '', '1, 2'])}`], body: content };
    case 4: kinds.push('two content-lengths'); return { extra: ['Content-Length: 1', `Content-Length: ${pick(random, ['1', '2'])}`], body: 'ab' };
    case 5: kinds.push('chunked'); return { extra: ['Transfer-Encoding: chunked'], body: `${content.length.toString(16)}\r\n${content}\r\n0\r\n\r\n` };
    case 6: kinds.push('chunked that lies'); return { extra: ['Transfer-Encoding: chunked'], body: pick(random, ['5\r\nab\r\n0\r\n\r\n', 'zz\r\n', 'ffffffffffff\r\n', '1\r\nab\r\n0\r\n\r\n', '3;' + 'x'.repeat(20_000) + '\r\nabc\r\n0\r\n\r\n', '0\r\nX-Trailer: 1\r\n\r\n']) };
    case 7: kinds.push('chunked and content-length'); return { extra: ['Transfer-Encoding: chunked', 'Content-Length: 3'], body: '0\r\n\r\n' };
    case 8: kinds.push('odd transfer-encoding'); return { extra: [`Transfer-Encoding: ${pick(random, ['gzip', 'chunked, gzip', 'identity', 'gzip, chunked', 'chunked\0', ' chunked'])}`], body: '0\r\n\r\n' };
    default: return { extra: [], body: '' };
  }
}

/** Flips, inserts, deletes and duplicates a few bytes anywhere. */
function mutateBytes(random: Random, bytes: Buffer): Buffer {
  let out: Buffer = Buffer.from(bytes);
  const count = 1 + int(random, 4);
  for (let i = 0; i < count; i += 1) {
    const at = int(random, out.length + 1);
    switch (int(random, 4)) {
      case 0: if (at < out.length) out[at] = int(random, 256); break;
      case 1: out = Buffer.concat([out.subarray(0, at), Buffer.from([int(random, 256)]), out.subarray(at)]); break;
      case 2: out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + int(random, 8))]); break;
      default: out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + 1 + int(random, 16)), out.subarray(at)]); break;
    }
  }
  return out;
}
