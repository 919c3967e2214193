/**
 * The pages under a trailing slash: `/dashboard/` and `/demo/` (typed, or pasted from a link) lead to the page,
 * query kept, where they were a 404; the page's assets are still served as files.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  removeDir(server.dataDir);
});

const get = (path: string) => fetch(`${server.url}${path}`, { redirect: 'manual' });

test('a trailing slash leads to the page, with its query', async () => {
  for (const [path, location] of [['/dashboard/', '/dashboard'], ['/dashboard/?tenant=demo', '/dashboard?tenant=demo'], ['/demo/', '/demo']]) {
    const response = await get(path!);
    expect(`${path} ${response.status} ${response.headers.get('location')}`).toBe(`${path} 301 ${location}`);
  }
  const page = await fetch(`${server.url}/dashboard/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<html');
});

test('the files under the page paths are still files, and an unknown one is a 404', async () => {
  expect((await get('/dashboard/index.html')).status).toBe(200);
  expect((await get('/demo/index.html')).status).toBe(200);
  expect((await get('/dashboard/no-such-file.js')).status).toBe(404);
});
