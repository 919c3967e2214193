/**
 * Markers stand out from the picture under them (WCAG 1.4.11, 3:1) on light and dark pictures, in the light and
 * dark themes: the rendered pixels of each marker's outer edge are measured against the picture's colour.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { flatPicture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };
const CASES = [
  { picture: 'light', fill: '#f4f4f2', theme: 'light' },
  { picture: 'light', fill: '#f4f4f2', theme: 'dark' },
  { picture: 'dark', fill: '#101418', theme: 'light' },
  { picture: 'dark', fill: '#101418', theme: 'dark' },
] as const;
/** The marker's disc: 28 px by default; its outer 4 px are its edge. */
const RADIUS = 14;
const EDGE = 4;

let server: ServerProcess;
let site: Site;
let browser: Browser;
let page: Page;
let decoder: Page;

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  const widgets = CASES.map((c, i) => `<image-chat id="w${i}" theme="${c.theme}" tenant-id="demo" url-id="contrast-${Date.now()}-${i}" src="/${c.picture}.svg" alt="A ${c.picture} picture" server="${server.url}"></image-chat>`);
  site = await startSite({
    '/page.html': { body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Contrast</title><script type="module" src="${server.url}/widget.js"></script></head><body>${widgets.join('')}</body></html>` },
    '/light.svg': flatPicture('#f4f4f2'),
    '/dark.svg': flatPicture('#101418'),
  });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  decoder = await browser.newPage();
  await page.goto(`${site.origin}/page.html`);
  for (let i = 0; i < CASES.length; i += 1) {
    const widget = page.locator(`#w${i}`);
    await widget.locator('[part="status"][data-state="live"]').waitFor(WAIT);
    await widget.evaluate(async (element) => { await (element as HTMLElement & { store: { createChat(x: number, y: number, t: string): Promise<unknown> } }).store.createChat(0.5, 0.5, 'A marker'); });
    await widget.locator('[part~="marker"]:not([part~="pending"])').waitFor(WAIT);
  }
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

/** The RGB pixels of a PNG, decoded by the browser. */
function pixels(png: Buffer): Promise<{ width: number; data: number[] }> {
  return decoder.evaluate(async (base64) => {
    const image = new Image();
    image.src = `data:image/png;base64,${base64}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d')!;
    context.drawImage(image, 0, 0);
    return { width: image.width, data: [...context.getImageData(0, 0, image.width, image.height).data] };
  }, png.toString('base64'));
}

function luminance([r, g, b]: number[]): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
}

function contrast(a: number[], b: number[]): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

for (const [i, c] of CASES.entries()) {
  test(`a marker on a ${c.picture} picture in the ${c.theme} theme has an edge of at least 3:1`, async () => {
    const marker = page.locator(`#w${i} [part~="marker"]`);
    const box = await marker.boundingBox();
    if (!box) throw new Error('the marker is not visible');
    const centre = { x: Math.round(box.x + box.width / 2), y: Math.round(box.y + box.height / 2) };
    const { width, data } = await pixels(await page.screenshot({ clip: { x: centre.x - 30, y: centre.y - 30, width: 60, height: 60 } }));
    const at = (x: number, y: number) => [...data.slice((y * width + x) * 4, (y * width + x) * 4 + 3)];
    const picture = at(1, 1);
    expect(contrast(picture, [...[c.fill.slice(1, 3), c.fill.slice(3, 5), c.fill.slice(5, 7)].map((h) => parseInt(h, 16))])).toBeLessThan(1.05);
    // Along the four half-axes, the outer EDGE px of the disc: the best contrast with the picture on each side.
    const sides = [[-1, 0], [1, 0], [0, -1], [0, 1]].map(([dx, dy]) => {
      let best = 1;
      for (let d = RADIUS - EDGE; d <= RADIUS; d += 1) best = Math.max(best, contrast(at(30 + dx! * d, 30 + dy! * d), picture));
      return Math.round(best * 100) / 100;
    });
    for (const side of sides) expect(side, `edge contrasts ${sides.join(', ')}`).toBeGreaterThanOrEqual(3);
  });
}
