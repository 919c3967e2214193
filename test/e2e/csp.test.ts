/**
 * The widget under a site's strict Content-Security-Policy, as docs/widget.md asks sites to set it: scripts from
 * the site and the image-chat server only, styles from the site only (no 'unsafe-inline'), the socket to the
 * server only. The page is served from a second origin; the crosshair, the new-marker pin and the markers must
 * stand where they belong, and the browser must report no violation.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { flatPicture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };

let server: ServerProcess;
let site: Site;
let browser: Browser;
let page: Page;
/** Every CSP violation the page saw: securitypolicyviolation events and console messages. */
const violations: string[] = [];

/** The policy docs/widget.md gives, for a site at 'self' embedding the server at `server`. */
function policy(server: ServerProcess): string {
  return [
    "default-src 'none'",
    `script-src 'self' ${server.url}`,
    "style-src 'self'",
    `connect-src ${server.wsUrl.replace(/\/ws$/, '')}`,
    "img-src 'self' data:",
  ].join('; ');
}

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  site = await startSite({
    '/page.html': {
      headers: { 'content-security-policy': policy(server) },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A strict site</title>
        <link rel="stylesheet" href="/site.css">
        <script type="module" src="${server.url}/widget.js"></script></head>
        <body><main><h1>A strict site</h1>
        <image-chat tenant-id="demo" url-id="csp-${Date.now()}" src="/plan.svg" alt="A plan" server="${server.url}"></image-chat>
        </main></body></html>`,
    },
    '/site.css': { type: 'text/css', body: 'body { margin: 24px; font-family: serif; } image-chat { width: 600px; }' },
    '/plan.svg': flatPicture('#dde7f0'),
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`securitypolicyviolation: ${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
    }, true);
  });
  page = await context.newPage();
  page.on('console', (message) => {
    const text = message.text();
    if (/securitypolicyviolation|Content Security Policy/i.test(text)) violations.push(text);
  });
  await page.goto(`${site.origin}/page.html`);
  await page.locator('image-chat [part="status"][data-state="live"]').waitFor(WAIT);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

/** The centre of an element, in page pixels. */
async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** The page pixel of the relative spot (x, y) on the widget's image. */
async function spot(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = await page.locator('image-chat [part="image"]').boundingBox();
  if (!box) throw new Error('the image is not visible');
  return { x: box.x + x * box.width, y: box.y + y * box.height };
}

function expectNear(actual: { x: number; y: number }, expected: { x: number; y: number }, what: string): void {
  expect(Math.abs(actual.x - expected.x), `${what}: x ${actual.x} vs ${expected.x}`).toBeLessThan(1.5);
  expect(Math.abs(actual.y - expected.y), `${what}: y ${actual.y} vs ${expected.y}`).toBeLessThan(1.5);
}

test('the keyboard crosshair stands where the arrows put it', async () => {
  await page.locator('image-chat .layer').focus();
  await page.keyboard.press('Enter');
  for (let i = 0; i < 5; i += 1) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  expectNear(await centre(page.locator('image-chat .crosshair')), await spot(0.6, 0.6), 'crosshair');
  await page.keyboard.press('Escape');
});

test('the new-marker pin stands where the reader clicked, and the marker lands there', async () => {
  const at = await spot(0.25, 0.75);
  await page.mouse.click(at.x, at.y);
  expectNear(await centre(page.locator('image-chat .pin')), at, 'pin');
  await page.locator('image-chat [part~="composer"] textarea').fill('Under a strict policy');
  await page.keyboard.press('Enter');
  const marker = page.locator('image-chat [part~="marker"]');
  await expect.poll(() => marker.count(), WAIT).toBe(1);
  expectNear(await centre(marker), at, 'marker');
  await marker.click();
  await expect.poll(() => page.locator('image-chat [part="thread"] .text').allTextContents(), WAIT).toEqual(['Under a strict policy']);
});

test('the browser reported no violation of the policy', async () => {
  expect(violations).toEqual([]);
});
