/**
 * The image does not depend on the script (issue 12, item 2): the progressive embed
 * `<image-chat tenant-id="…"><img src alt width height></image-chat>` on a site owner's page (a second origin)
 * shows its picture when the widget script is blocked or its server is down, says honestly that it is not live
 * while the server is away, and upgrades without moving anything on the page (CLS from layout-shift entries: 0).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { page, picture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };

let server: ServerProcess;
let site: Site;
let browser: Browser;

const EMBED = `<p>Before the photo.</p>
  <image-chat tenant-id="demo" SERVER><img src="/photo.svg" alt="A photo" width="800" height="600"></image-chat>
  <p id="after">After the photo.</p>`;

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  site = await startSite({
    '/photo.svg': picture(800, 600, 'photo'),
    // The widget bundle copied to the site (self-hosted, or a CDN): it loads while the image-chat server is away.
    '/vendor/widget.js': { type: 'text/javascript', body: readFileSync('dist/public/widget.js') },
    // A site that adds the widget late (a tag manager): after the page has painted its image.
    '/late.js': { type: 'text/javascript', body: `
      const img = document.querySelector('image-chat img');
      await img.decode();
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const script = document.createElement('script');
      script.type = 'module';
      script.src = ${JSON.stringify(`${server.url}/widget.js`)};
      document.head.append(script);` },
  });
  site.put('/embed.html', page(`${EMBED.replace(' SERVER', '')}<script type="module" src="${server.url}/widget.js"></script>`));
  site.put('/self-hosted.html', page(`${EMBED.replace('SERVER', `server="${server.url}"`)}<script type="module" src="/vendor/widget.js"></script>`));
  site.put('/late.html', page(`${EMBED.replace(' SERVER', '')}<script type="module" src="/late.js"></script>`));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

async function tab(): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
}

/** The picture is on screen at its reserved size, loaded. */
async function expectImageShown(view: Page): Promise<void> {
  const img = view.locator('image-chat img');
  await expect.poll(() => img.evaluate((element) => (element as HTMLImageElement).naturalWidth), WAIT).toBe(800);
  expect(await img.isVisible()).toBe(true);
  const box = await img.boundingBox();
  expect([box?.width, box?.height]).toEqual([800, 600]);
}

test('with the widget script blocked, the page still shows the image', async () => {
  const view = await tab();
  let blocked = 0;
  await view.route(`${server.url}/widget.js`, (route) => {
    blocked++;
    return route.abort('blockedbyclient');
  });
  await view.goto(`${site.url}/embed.html`);
  await expectImageShown(view);
  expect(blocked).toBe(1);
  expect(await view.evaluate(() => customElements.get('image-chat'))).toBeUndefined();
  await view.context().close();
});

test('with the image-chat server down, the image shows; a self-hosted script says Offline (never Live), then Live when it is back', async () => {
  await server.stop();
  try {
    const view = await tab();
    await view.goto(`${site.url}/embed.html`);
    await expectImageShown(view);

    const selfHosted = await tab();
    await selfHosted.goto(`${site.url}/self-hosted.html`);
    await expectImageShown(selfHosted);
    const status = selfHosted.locator('image-chat [part="status"]');
    await expect.poll(() => status.getAttribute('data-state'), WAIT).toBe('offline');
    expect(await status.textContent()).toBe('Offline');
    await server.start();
    await expect.poll(() => status.getAttribute('data-state'), WAIT).toBe('live');
    await expectImageShown(selfHosted);
    await view.context().close();
    await selfHosted.context().close();
  } finally {
    await server.start();
  }
});

interface Shift { value: number; sources: string[] }

/**
 * The page's layout shifts so far that input did not cause (buffered from the start), each with what moved:
 * their values add up to the cumulative layout shift (CLS).
 */
const layoutShifts = (view: Page): Promise<Shift[]> => view.evaluate(() => new Promise<Shift[]>((resolve) => {
  type LayoutShift = PerformanceEntry & { value: number; hadRecentInput: boolean; sources: { node?: Node; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[] };
  const describe = (entry: LayoutShift): Shift => ({
    value: entry.value,
    sources: entry.sources.map((source) => `${source.node?.nodeName ?? '?'} ${JSON.stringify(source.previousRect)} -> ${JSON.stringify(source.currentRect)}`),
  });
  new PerformanceObserver((list, observer) => {
    observer.disconnect();
    resolve((list.getEntries() as LayoutShift[]).filter((entry) => !entry.hadRecentInput).map(describe));
  }).observe({ type: 'layout-shift', buffered: true });
  // With no entries at all the callback never runs: answer after the buffered ones would have been delivered.
  requestAnimationFrame(() => requestAnimationFrame(() => resolve([])));
}));

test('the widget upgrades the painted image without a layout shift (CLS 0), and takes exactly the image\'s box', async () => {
  const view = await tab();
  await view.goto(`${site.url}/late.html`);
  const before = await view.locator('#after').boundingBox();
  await expect.poll(() => view.locator('image-chat [part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  await view.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  // The widget came late (late.js adds it after the image is decoded and painted), and it did come.
  expect(await view.evaluate(() => performance.getEntriesByType('resource').some((entry) => entry.name.endsWith('/widget.js')))).toBe(true);
  const shifts = await layoutShifts(view);
  console.log(`CLS after the upgrade: ${shifts.reduce((sum, shift) => sum + shift.value, 0)}`);
  expect(shifts).toEqual([]);
  expect(await view.locator('#after').boundingBox()).toEqual(before);
  const boxes = await view.locator('image-chat').evaluate((element) => [element, element.querySelector('img')!].map((e) => {
    const box = e.getBoundingClientRect();
    return [box.left, box.top, box.width, box.height];
  }));
  expect(boxes[0]).toEqual(boxes[1]);
  await view.context().close();
});
