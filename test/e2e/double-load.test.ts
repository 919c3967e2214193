/**
 * The widget script loaded more than once on a page (issue 12, item 5): widget.js, its versioned copy and
 * widget.iife.js together. The later copies do nothing but warn once; nothing throws, and the widget works.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { page, picture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };

let server: ServerProcess;
let site: Site;
let browser: Browser;

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  const versions = await (await fetch(`${server.url}/bundles.json`)).json() as Record<string, string>;
  site = await startSite({ '/photo.svg': picture(800, 600, 'photo') });
  site.put('/twice.html', page(`
    <image-chat tenant-id="demo"><img src="/photo.svg" alt="A photo" width="800" height="600"></image-chat>
    <img id="marked" data-image-chat="demo" src="/photo.svg?second" alt="Marked" width="400" height="300">
    <script src="${server.url}/widget.iife.js"></script>
    <script type="module" src="${server.url}/widget.js"></script>
    <script type="module" src="${server.url}/${versions['widget.js']}"></script>
    <script src="${server.url}/widget.iife.js"></script>`));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

test('four copies of the script: no error, one warning, one working widget per image', async () => {
  const view = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  const warnings: string[] = [];
  view.on('pageerror', (error) => errors.push(error.message));
  view.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
    if (message.type() === 'warning') warnings.push(message.text());
  });
  await view.goto(`${site.url}/twice.html`);
  const statuses = view.locator('image-chat [part="status"]');
  await expect.poll(() => statuses.evaluateAll((all) => all.map((s) => s.getAttribute('data-state'))), WAIT).toEqual(['live', 'live']);
  // Every script has run (the page's load event waits for them all).
  await view.waitForLoadState('load');
  expect(errors).toEqual([]);
  expect(warnings).toEqual(['image-chat: the widget script is loaded more than once on this page; only the first copy runs. Include widget.js (or widget.iife.js) once.']);
  // The marked image was wrapped once, not once per copy.
  expect(await view.locator('image-chat image-chat').count()).toBe(0);
  expect(await view.locator('#marked').evaluate((img) => img.parentElement?.localName)).toBe('image-chat');
  await view.context().close();
});
