/**
 * Responsive images on a site owner's page (issue 12, item 1): a desktop and a phone load different files of one
 * `srcset`, and still share one conversation, because the default url id comes from the `src` attribute, not
 * `currentSrc`. `url-id`/`data-url-id` win; an attached `<img>` keeps every attribute, and a lazy one stays lazy.
 * The page comes from a second origin; the widget script and the conversations from the real image-chat server.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { page, picture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };

let server: ServerProcess;
let site: Site;
let browser: Browser;

/** The attributes of the attached image, exactly as the page's HTML writes them. */
const ATTACHED_ATTRIBUTES: Record<string, string> = {
  id: 'attached', class: 'shot framed', style: 'border: 2px solid rgb(0, 0, 0);', src: '/photo-800.svg',
  srcset: '/photo-800.svg 800w, /photo-1600.svg 1600w', sizes: '(max-width: 600px) 100vw, 800px', alt: 'The same photo, attached',
  width: '800', height: '600', decoding: 'async', title: 'kept', 'data-image-chat': 'demo', 'data-url-id': 'photo-by-data-url-id',
};

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  site = await startSite({
    '/photo-800.svg': picture(800, 600, '800w file'),
    '/photo-1600.svg': picture(1600, 1200, '1600w file'),
    '/lazy.svg': picture(800, 600, 'lazy'),
  });
  const attributes = Object.entries(ATTACHED_ATTRIBUTES).map(([name, value]) => `${name}="${value}"`).join(' ');
  site.put('/article.html', page(`
    <p>Before the photo.</p>
    <image-chat tenant-id="demo" id="progressive">
      <img src="/photo-800.svg?from=cms#x" srcset="/photo-800.svg 800w, /photo-1600.svg 1600w" sizes="(max-width: 600px) 100vw, 800px" alt="A photo" width="800" height="600">
    </image-chat>
    <image-chat tenant-id="demo" url-id="photo-by-url-id" id="named">
      <img src="/photo-800.svg" srcset="/photo-800.svg 800w, /photo-1600.svg 1600w" sizes="(max-width: 600px) 100vw, 800px" alt="The same photo, named" width="800" height="600">
    </image-chat>
    <img ${attributes}>
    <script>window.held = document.getElementById('attached');</script>
    <div style="height: 6000px">A long article.</div>
    <img id="lazy" data-image-chat="demo" loading="lazy" src="/lazy.svg" alt="Far below" width="800" height="600">
    <script type="module" src="${server.url}/widget.js"></script>`));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

async function open(viewport: { width: number; height: number }, deviceScaleFactor: number, mobile: boolean): Promise<Page> {
  const context = await browser.newContext({ viewport, deviceScaleFactor, isMobile: mobile, hasTouch: mobile });
  const tab = await context.newPage();
  await tab.goto(`${site.url}/article.html`);
  await expect.poll(() => tab.locator('#progressive [part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  return tab;
}

/** The widget's conversation id, file shown, and marker count. */
const stateOf = (tab: Page, selector: string) => tab.locator(selector).evaluate((element) => {
  const widget = element as HTMLElement & { store: { key: { urlId: string }; chats: unknown[] } | null };
  return { urlId: widget.store?.key.urlId, file: widget.querySelector('img')?.currentSrc, markers: widget.store?.chats.length };
});

test('a desktop (800w file) and a phone at 3x (1600w file) share one conversation of the image', async () => {
  const desktop = await open({ width: 1280, height: 900 }, 1, false);
  const phone = await open({ width: 390, height: 844 }, 3, true);
  const onDesktop = await stateOf(desktop, '#progressive');
  const onPhone = await stateOf(phone, '#progressive');
  // The premise: the two really show different files.
  expect(onDesktop.file).toBe(`${site.url}/photo-800.svg`);
  expect(onPhone.file).toBe(`${site.url}/photo-1600.svg`);
  // One id, from the src attribute resolved against the page, without query or hash.
  expect(onDesktop.urlId).toBe(`${site.url}/photo-800.svg`);
  expect(onPhone.urlId).toBe(onDesktop.urlId);

  await desktop.locator('#progressive').evaluate(async (element) => {
    const widget = element as HTMLElement & { store: { createChat(x: number, y: number, text: string): Promise<{ ok: boolean }> } };
    const outcome = await widget.store.createChat(0.4, 0.5, 'Seen on every screen?');
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
  });
  await expect.poll(() => phone.locator('#progressive [part~="marker"]').count(), WAIT).toBe(1);
  expect(await phone.locator('#progressive [part~="marker"]').getAttribute('aria-label')).toContain('Seen on every screen?');
  await desktop.context().close();
  await phone.context().close();
});

test('url-id and data-url-id win over the image URL', async () => {
  const desktop = await open({ width: 1280, height: 900 }, 1, false);
  expect((await stateOf(desktop, '#named')).urlId).toBe('photo-by-url-id');
  await expect.poll(() => desktop.locator('#attached').evaluate((img) => img.parentElement?.localName), WAIT).toBe('image-chat');
  expect((await stateOf(desktop, 'image-chat:has(> #attached)')).urlId).toBe('photo-by-data-url-id');
  await desktop.context().close();
});

test('an attached <img> keeps every attribute and stays the same element; a lazy one stays lazy until scrolled to', async () => {
  const phone = await open({ width: 390, height: 844 }, 3, true);
  await expect.poll(() => phone.locator('#lazy').evaluate((img) => img.parentElement?.localName), WAIT).toBe('image-chat');
  const attributes = await phone.locator('#attached').evaluate((img) => Object.fromEntries([...img.attributes].map((a) => [a.name, a.value])));
  expect(attributes).toEqual(ATTACHED_ATTRIBUTES);
  expect(await phone.locator('#attached').evaluate((img) => (img as HTMLImageElement).currentSrc)).toBe(`${site.url}/photo-1600.svg`);
  // The element the page held before the script ran is the one on the page.
  expect(await phone.evaluate(() => {
    const held = (window as unknown as { held: HTMLImageElement }).held;
    return held === document.getElementById('attached') && held.isConnected;
  })).toBe(true);

  // Upgraded, and live, yet the lazy image far below was never asked for.
  await expect.poll(() => phone.locator('image-chat:has(> #lazy) [part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  expect(site.requests.filter((path) => path === '/lazy.svg')).toEqual([]);
  expect(await phone.locator('#lazy').getAttribute('loading')).toBe('lazy');
  await phone.locator('#lazy').scrollIntoViewIfNeeded();
  await expect.poll(() => phone.locator('#lazy').evaluate((img) => (img as HTMLImageElement).naturalWidth), WAIT).toBe(800);
  expect(site.requests.filter((path) => path === '/lazy.svg')).toEqual(['/lazy.svg']);
  await phone.context().close();
});
