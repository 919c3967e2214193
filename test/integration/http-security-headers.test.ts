/**
 * The pages' security headers and the source-map switch (issue 8, item 9): the demo and the dashboard send a
 * strict Content-Security-Policy, X-Frame-Options, Referrer-Policy and nosniff; the widget bundle stays loadable
 * from any origin; `*.map` files are served only where SERVE_SOURCE_MAPS (or a non-production start) asks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { exchange, parseResponses } from '../helpers/raw-http.js';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) {
    await server.close();
    removeDir(server.dataDir);
  }
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer(env);
  servers.push(server);
  return server;
}

const policy = (images: string, host: string): string => [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", `img-src ${images}`,
  `connect-src 'self' ws://${host} wss://${host}`, "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

describe('headers', () => {
  let server: TestServer;
  let host: string;
  beforeAll(async () => {
    server = await start();
    host = `127.0.0.1:${server.port}`;
  });

  test.each(['/demo', '/demo/classic.html', '/demo/classic.js', '/demo/floor-plan.svg'])('%s: the demo policy, never framed', async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(policy("'self' data: https:", host));
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test.each(['/dashboard', '/dashboard/dashboard.js'])('%s: the dashboard policy, no images from elsewhere, no referrer', async (path) => {
    const response = await fetch(`${server.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(policy("'self' data:", host));
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test.each(['/widget.js', '/widget.iife.js'])('%s runs in other sites\' pages: loadable from any origin, under their policy', async (path) => {
    const response = await fetch(`${server.url}${path}`, { headers: { origin: 'https://customer.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  test('an odd Host header is left out of the policy, not reflected into it', async () => {
    const answer = await exchange(server.port, 'GET /demo HTTP/1.1\r\nHost: a;script-src *\r\nConnection: close\r\n\r\n');
    const [response] = parseResponses(answer.bytes).responses;
    expect(response?.status).toBe(200);
    expect(response?.headers.get('content-security-policy')?.[0]).toContain("; connect-src 'self'; ");
    expect(response?.headers.get('content-security-policy')?.[0]).not.toContain('script-src *');
  });

  test('JSON answers are nosniff too', async () => {
    const response = await fetch(`${server.url}/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

test('the built pages hold no inline script, so script-src \'self\' cannot break them', () => {
  const pages = [
    ...readdirSync('dist/public/demo').filter((name) => name.endsWith('.html')).map((name) => join('dist/public/demo', name)),
    'dist/public/dashboard/index.html',
  ];
  expect(pages.length).toBeGreaterThanOrEqual(3);
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length, page).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(attributes, page).toMatch(/\bsrc="\/[^"]+"/);
      expect(body.trim(), page).toBe('');
    }
    expect(html, page).not.toMatch(/\son[a-z]+=/i);
  }
});

describe('source maps', () => {
  const maps = ['/widget.js.map', '/widget.iife.js.map', '/dashboard/dashboard.js.map', '/widget.js%2Emap'];

  test.each([
    ['outside production, by default', {}, 200],
    ['outside production, SERVE_SOURCE_MAPS=off', { SERVE_SOURCE_MAPS: 'off' }, 404],
    ['in production, by default', { NODE_ENV: 'production' }, 404],
    ['in production, SERVE_SOURCE_MAPS=on', { NODE_ENV: 'production', SERVE_SOURCE_MAPS: 'on' }, 200],
  ])('%s: %j → %i', async (_name, env, status) => {
    const server = await start(env);
    for (const path of maps) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(status);
      if (status === 404) expect(await response.json(), path).toEqual({ error: { code: 'not-found', message: `nothing at ${path}` } });
    }
    // The bundles themselves are served either way.
    expect((await fetch(`${server.url}/widget.js`)).status).toBe(200);
  });
});
