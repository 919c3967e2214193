/**
 * What the server sends of its static files (issue 12, item 7): the widget bundle brotli- or gzip-compressed by
 * Accept-Encoding, an ETag per representation with 304 on If-None-Match, `Vary: Accept-Encoding`, and a
 * versioned bundle URL (`bundles.json` names it) cached for a year beside the briefly cached `/widget.js`.
 * Real HTTP requests over node:http, which (unlike fetch) hands back the bytes as sent. Also the pages under a
 * trailing slash (`/dashboard/`, `/demo/`), which lead to the page, query kept, where they were a 404.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';

interface Answer { status: number; headers: IncomingHttpHeaders; body: Buffer }

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const plain = readFileSync('dist/public/widget.js');

describe('/widget.js by Accept-Encoding', () => {
  test('brotli when accepted (preferred over gzip), decoding to the exact bundle', async () => {
    const answer = await get('/widget.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBe('br');
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
    expect(brotliDecompressSync(answer.body).equals(plain)).toBe(true);
    // The widget is about 80 KB plain; compressed it must be well under a third of that.
    expect(answer.body.length).toBeLessThan(plain.length / 3);
    console.log(`widget.js: ${plain.length} B plain, ${answer.body.length} B brotli`);
  });

  test('gzip when only gzip is accepted, or brotli is refused with q=0', async () => {
    for (const accept of ['gzip', 'br;q=0, gzip;q=0.8', 'identity, gzip']) {
      const answer = await get('/widget.js', { 'accept-encoding': accept });
      expect(answer.headers['content-encoding'], accept).toBe('gzip');
      expect(gunzipSync(answer.body).equals(plain), accept).toBe(true);
    }
  });

  test('the plain bytes without Accept-Encoding, or with nothing the server has', async () => {
    const cases: Record<string, string>[] = [{}, { 'accept-encoding': 'identity' }, { 'accept-encoding': 'deflate, *;q=0' }];
    for (const headers of cases) {
      const answer = await get('/widget.js', headers);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.headers.vary).toBe('Accept-Encoding');
      expect(answer.body.equals(plain)).toBe(true);
    }
  });

  test('HEAD gives the same headers and length as GET, and no body', async () => {
    const head = await get('/widget.js', { 'accept-encoding': 'br' }, 'HEAD');
    const full = await get('/widget.js', { 'accept-encoding': 'br' });
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(full.body.length));
    expect(head.headers.etag).toBe(full.headers.etag);
  });
});

describe('revalidation and cache lifetimes', () => {
  test('each representation has its own ETag; If-None-Match with it answers 304 without a body', async () => {
    const br = await get('/widget.js', { 'accept-encoding': 'br' });
    const gz = await get('/widget.js', { 'accept-encoding': 'gzip' });
    const identity = await get('/widget.js');
    const tags = [br.headers.etag, gz.headers.etag, identity.headers.etag];
    expect(new Set(tags).size).toBe(3);
    for (const tag of tags) expect(tag).toMatch(/^"[\w-]+"$/);

    const again = await get('/widget.js', { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(br.headers.etag);
    expect(again.headers.vary).toBe('Accept-Encoding');
    expect(again.headers['cache-control']).toBe('public, max-age=300');

    // A list, and a weak form of the tag, match too (If-None-Match compares weakly).
    const listed = await get('/widget.js', { 'if-none-match': `"nope", W/${String(identity.headers.etag)}` });
    expect(listed.status).toBe(304);
    // Another representation's tag is not this one's.
    const other = await get('/widget.js', { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) });
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('gzip');
  });

  test('/widget.js is kept briefly; the versioned bundle named in bundles.json is immutable for a year', async () => {
    const stable = await get('/widget.js');
    expect(stable.headers['cache-control']).toBe('public, max-age=300');

    const manifest = await get('/bundles.json');
    expect(manifest.status).toBe(200);
    const versions = JSON.parse(manifest.body.toString()) as Record<string, string>;
    expect(versions['widget.js']).toMatch(/^widget\.[0-9a-f]{10}\.js$/);
    expect(versions['widget.iife.js']).toMatch(/^widget\.iife\.[0-9a-f]{10}\.js$/);

    for (const [name, versioned] of Object.entries(versions)) {
      const answer = await get(`/${versioned}`, { 'accept-encoding': 'br' });
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(answer.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(answer.headers['access-control-allow-origin']).toBe('*');
      expect(brotliDecompressSync(answer.body).equals(readFileSync(`dist/public/${name}`))).toBe(true);
    }
    // A hash that names no build is no file.
    expect((await get('/widget.0000000000.js')).status).toBe(404);
  });

  test('pages are revalidated every time; small files are not compressed', async () => {
    const page = await get('/demo', { 'accept-encoding': 'br' });
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-encoding']).toBe('br');
    const tiny = await get('/bundles.json', { 'accept-encoding': 'br' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.headers.vary).toBeUndefined();
  });
});

describe('the pages under a trailing slash', () => {
  test('lead to the page, with its query', async () => {
    for (const [path, location] of [['/dashboard/', '/dashboard'], ['/dashboard/?tenant=demo', '/dashboard?tenant=demo'], ['/demo/', '/demo']]) {
      const answer = await get(path!);
      expect(`${path} ${answer.status} ${answer.headers.location}`).toBe(`${path} 301 ${location}`);
    }
    // Followed, the redirect reaches the page.
    const page = await get(String((await get('/dashboard/')).headers.location));
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<html');
  });

  test('the files under the page paths are still files, and an unknown one is a 404', async () => {
    expect((await get('/dashboard/index.html')).status).toBe(200);
    expect((await get('/demo/index.html')).status).toBe(200);
    expect((await get('/dashboard/no-such-file.js')).status).toBe(404);
  });
});
