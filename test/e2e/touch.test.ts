/**
 * Targets and phones: every control of the widget is at least 24×24 px with a mouse and 44×44 px on a touch
 * screen (a phone emulated by Playwright: hasTouch, isMobile, so `(pointer: coarse)`); text fields are 16 px on
 * the phone, so iOS does not zoom; and a long thread, a bottom sheet on the phone, leaves its marker in sight.
 * The page comes from a second origin, as a site's would.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { flatPicture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };
const LONG = 'A long reply that goes on about the wall, the window, the light in the morning and the sofa, '.repeat(3);

let server: ServerProcess;
let site: Site;
let browser: Browser;
let desktop: Page;
let phone: Page;

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  site = await startSite({
    '/page.html': {
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Touch</title><script type="module" src="${server.url}/widget.js"></script></head>
        <body><h1>A tall picture</h1><p>Tap a spot.</p>
        <image-chat tenant-id="demo" url-id="touch-${Date.now()}" src="/tall.svg" alt="A tall picture" server="${server.url}" style="width: 100%; max-width: 600px"></image-chat>
        </body></html>`,
    },
    '/tall.svg': { ...flatPicture('#dde7f0'), body: '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900"><rect width="600" height="900" fill="#dde7f0"/></svg>' },
  });
  browser = await launchChromium();
  desktop = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true })).newPage();
  for (const page of [desktop, phone]) {
    await page.goto(`${site.origin}/page.html`);
    await page.locator('image-chat [part="status"][data-state="live"]').waitFor(WAIT);
  }
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

/** Writes a marker with replies through the page's own widget store (so they are the reader's own); its id. */
function writeThread(page: Page, x: number, y: number, replies: string[]): Promise<string> {
  return page.evaluate(async ({ x, y, replies }) => {
    const store = document.querySelector('image-chat')!.store!;
    const created = await store.createChat(x, y, 'The first comment');
    if (!created.ok) throw new Error(`not created: ${created.code}`);
    for (const text of replies) if (!(await store.addComment(created.chatId, text)).ok) throw new Error('reply refused');
    return created.chatId;
  }, { x, y, replies });
}

/** Every visible control inside the widget (through its shadow roots) with its size. */
function controls(page: Page): Promise<{ what: string; width: number; height: number }[]> {
  return page.evaluate(() => {
    const found: { what: string; width: number; height: number }[] = [];
    const walk = (root: ParentNode) => {
      for (const element of root.querySelectorAll('*')) {
        if (element.matches('button, a[href], input, textarea, select')) {
          const box = element.getBoundingClientRect();
          const what = `${element.localName} ${element.getAttribute('aria-label') ?? element.textContent?.trim() ?? ''}`.slice(0, 50);
          if (box.width > 0 && box.height > 0) found.push({ what, width: box.width, height: box.height });
        }
        if (element.shadowRoot) walk(element.shadowRoot);
      }
    };
    walk(document.querySelector('image-chat')!.shadowRoot!);
    return found;
  });
}

async function expectTargetsAtLeast(page: Page, size: number, expected: string[]): Promise<void> {
  const found = await controls(page);
  for (const what of expected) expect(found.map((control) => control.what).join(' | ')).toContain(what);
  expect(found.filter((control) => control.width < size - 0.01 || control.height < size - 0.01)).toEqual([]);
}

test('with a mouse, every control is at least 24×24 px, even markers made smaller by the site', async () => {
  expect(await desktop.evaluate(() => matchMedia('(pointer: fine)').matches)).toBe(true);
  await desktop.locator('image-chat').evaluate((element) => (element as HTMLElement).style.setProperty('--image-chat-marker-size', '16px'));
  const chatId = await writeThread(desktop, 0.3, 0.2, ['Mine too']);
  await desktop.locator(`image-chat [part~="marker"][data-chat-id="${chatId}"]`).click();
  await desktop.locator('image-chat [part="thread"]').waitFor(WAIT);
  await expectTargetsAtLeast(desktop, 24, ['button Marker 1', 'button Close', 'button Edit', 'button Delete', 'button Resolve', 'button Move', 'button Reply', 'textarea']);
  await desktop.locator('image-chat [part="thread"] [data-action="edit"]').last().click();
  await expectTargetsAtLeast(desktop, 24, ['button Save', 'button Cancel']);
  await desktop.keyboard.press('Escape');
  await desktop.keyboard.press('Escape');
  const image = await desktop.locator('image-chat [part="image"]').boundingBox();
  await desktop.mouse.click(image!.x + 0.7 * image!.width, image!.y + 0.5 * image!.height);
  await expectTargetsAtLeast(desktop, 24, ['button Post', 'button Cancel', 'input']);
});

test('on a phone, every control is at least 44×44 px and text fields are 16 px', async () => {
  expect(await phone.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
  const chatId = await writeThread(phone, 0.5, 0.9, [LONG, LONG, LONG, LONG, LONG]);
  await phone.locator(`image-chat [part~="marker"][data-chat-id="${chatId}"]`).tap();
  await phone.locator('image-chat [part="thread"]').waitFor(WAIT);
  await expectTargetsAtLeast(phone, 44, ['button Marker 1', 'button Close', 'button Edit', 'button Delete', 'button Reply', 'textarea']);
  expect(await phone.locator('image-chat [part="thread"] textarea').evaluate((field) => getComputedStyle(field).fontSize)).toBe('16px');
});

test('on a phone, a long thread leaves its own marker in sight above the sheet', async () => {
  const marker = await phone.locator('image-chat [part~="marker"][aria-expanded="true"]').boundingBox();
  const sheet = await phone.locator('image-chat [part="thread"]').boundingBox();
  if (!marker || !sheet) throw new Error('the marker or the sheet is not visible');
  expect(marker.y).toBeGreaterThanOrEqual(0);
  expect(marker.y + marker.height, `marker ${JSON.stringify(marker)} above sheet ${JSON.stringify(sheet)}`).toBeLessThanOrEqual(sheet.y);
  expect(sheet.height).toBeGreaterThanOrEqual(160);
  expect(Math.round(sheet.y + sheet.height)).toBe(844);
  await phone.locator('image-chat [part="thread"] .close').tap();
});

test('on a phone, the new-marker composer has 16 px fields and leaves its pin in sight', async () => {
  const image = await phone.locator('image-chat [part="image"]').boundingBox();
  await phone.touchscreen.tap(image!.x + 0.2 * image!.width, image!.y + 0.85 * image!.height);
  const composer = phone.locator('image-chat [part~="composer"]');
  await composer.waitFor(WAIT);
  for (const field of ['input', 'textarea']) expect(await composer.locator(field).evaluate((element) => getComputedStyle(element).fontSize)).toBe('16px');
  await expectTargetsAtLeast(phone, 44, ['button Post', 'button Cancel']);
  const pin = await phone.locator('image-chat .pin').boundingBox();
  const sheet = await composer.boundingBox();
  expect(pin!.y + pin!.height).toBeLessThanOrEqual(sheet!.y);
});
