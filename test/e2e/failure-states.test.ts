/**
 * Failure states say what is true (issue 12, item 6), on a site owner's page (a second origin): an image that
 * fails to load offers no composer and says why; no tenant-id is a console error and a notice, not "Connecting…"
 * forever; a refused tenant or page origin shows no "Live" and no hint; a script that changes `src` on the
 * `<img>` it held before the widget attached keeps working.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { TestClient } from '../helpers/ws-client.js';
import { launchChromium } from './browsers.js';
import { page, picture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };

let server: ServerProcess;
let site: Site;
let browser: Browser;
let elsewhere: string;

/** A tenant that takes conversations only from https://elsewhere.example, made with the tenant CLI. */
function createTenantForElsewhere(): string {
  const output = execFileSync(process.execPath, ['dist/server/cli/tenant.js', 'create', '--name', 'Elsewhere', '--origin', 'https://elsewhere.example', '--json'], {
    env: { ...process.env, DATABASE_URL: `sqlite:${join(server.dataDir, 'image-chat.db')}`, LOG_LEVEL: 'silent' },
  });
  return (JSON.parse(output.toString()) as { tenantId: string }).tenantId;
}

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  elsewhere = createTenantForElsewhere();
  site = await startSite({ '/photo.svg': picture(800, 600, 'first'), '/other.svg': picture(800, 600, 'second') });
  const script = `<script type="module" src="${server.url}/widget.js"></script>`;
  site.put('/broken.html', page(`
    <image-chat tenant-id="demo" id="slotted"><img src="/missing.jpg" alt="Gone" width="400" height="300"></image-chat>
    <image-chat tenant-id="demo" id="drawn" src="/missing.jpg" alt="Gone too"></image-chat>${script}`));
  site.put('/no-tenant.html', page(`<image-chat id="untenanted"><img src="/photo.svg" alt="A photo" width="400" height="300"></image-chat>${script}`));
  site.put('/refused.html', page(`
    <image-chat tenant-id="no-such-tenant" id="unknown"><img src="/photo.svg" alt="A photo" width="400" height="300"></image-chat>
    <image-chat tenant-id="${elsewhere}" id="other-origin"><img src="/photo.svg" alt="A photo" width="400" height="300"></image-chat>${script}`));
  site.put('/swap.html', page(`
    <img id="swap" data-image-chat="demo" src="/photo.svg" alt="A photo" width="400" height="300">
    <script>window.held = document.getElementById('swap');</script>${script}`));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

async function open(path: string): Promise<{ view: Page; consoleErrors: string[] }> {
  const view = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const consoleErrors: string[] = [];
  view.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
  await view.goto(`${site.url}${path}`);
  return { view, consoleErrors };
}

const notice = (widget: Locator): Locator => widget.locator('[part="notice"]');

/** Clicks the middle of a widget and says whether a composer opened. */
async function composerAfterClick(view: Page, widget: Locator): Promise<number> {
  const box = await widget.boundingBox();
  if (!box) throw new Error('the widget has no box');
  await view.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await widget.evaluate((element) => (element as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete);
  return widget.locator('[part~="composer"]').count();
}

test('an image that fails to load says so and offers no composer (the page\'s <img> and one drawn from src)', async () => {
  const { view } = await open('/broken.html');
  for (const id of ['#slotted', '#drawn']) {
    const widget = view.locator(id);
    await expect.poll(() => notice(widget).textContent(), WAIT).toBe('The image could not be loaded, so no markers can be placed on it.');
    expect(await widget.locator('[part="status"]').count()).toBe(0);
    expect(await widget.locator('.hint').count()).toBe(0);
    expect(await composerAfterClick(view, widget)).toBe(0);
  }
  await view.context().close();
});

test('no tenant-id: a console error and a visible notice instead of "Connecting…"', async () => {
  const { view, consoleErrors } = await open('/no-tenant.html');
  const widget = view.locator('#untenanted');
  await expect.poll(() => notice(widget).textContent(), WAIT).toBe('Conversations cannot be shown: this widget has no tenant-id.');
  expect(await widget.locator('[part="status"]').count()).toBe(0);
  expect(consoleErrors.filter((text) => text.startsWith('image-chat:'))).toEqual([
    expect.stringContaining('image-chat: this widget has no tenant-id'),
  ]);
  // The image is still the page's, shown.
  expect(await widget.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(800);
  await view.context().close();
});

test('a refused tenant, and a tenant that does not allow this page\'s origin: the server\'s reason, no Live, no hint, no composer', async () => {
  const { view } = await open('/refused.html');
  for (const [id, tenant] of [['#unknown', 'no-such-tenant'], ['#other-origin', elsewhere]] as const) {
    const widget = view.locator(id);
    await expect.poll(() => notice(widget).textContent(), WAIT)
      .toBe(`Conversations on this image cannot be shown: tenant "${tenant}" does not exist or does not allow this page's origin.`);
    expect(await widget.locator('[part="status"]').count()).toBe(0);
    expect(await widget.locator('.hint').count()).toBe(0);
    expect(await composerAfterClick(view, widget)).toBe(0);
  }
  await view.context().close();
});

test('a script that changes src on the <img> it held before the widget attached moves the widget to that image\'s conversation', async () => {
  const other = `${site.url}/other.svg`;
  const writer = await TestClient.connect(server.wsUrl);
  const created = await writer.write({ type: 'create-chat', tenantId: 'demo', urlId: other, x: 0.5, y: 0.5, text: 'On the second picture' });
  expect(created.type).toBe('ack');
  writer.socket.close();

  const { view } = await open('/swap.html');
  const widget = view.locator('image-chat');
  await expect.poll(() => widget.locator('[part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  expect(await widget.locator('[part~="marker"]').count()).toBe(0);
  await view.evaluate((src) => { (window as unknown as { held: HTMLImageElement }).held.src = src; }, other);
  await expect.poll(() => widget.locator('[part~="marker"]').count(), WAIT).toBe(1);
  expect(await widget.evaluate((element) => (element as HTMLElement & { store: { key: { urlId: string } } }).store.key.urlId)).toBe(other);
  expect(await widget.locator('img').evaluate((img) => (img as HTMLImageElement).currentSrc)).toBe(other);
  await view.context().close();
});
