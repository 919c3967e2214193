/**
 * The widget on a page with a hostile stylesheet (served from a second origin): `* { all: unset }` and text
 * styles on the root that every element inherits. Comments must render as written, in the widget's own type,
 * and the element must keep its own display; the page's font is used only where the site owner opts in.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';
import { flatPicture, startSite, type Site } from './site.js';

const WAIT = { timeout: 20_000 };
const WRITTEN = 'Mixed Case, as Written: keep  two spaces';

const HOSTILE_CSS = `
  * { all: unset; }
  html {
    font: italic small-caps 700 30px/3 Georgia, serif; text-transform: uppercase; letter-spacing: 4px;
    word-spacing: 12px; text-align: right; text-indent: 40px; text-shadow: 2px 2px 0 red; white-space: nowrap;
    color: magenta; font-stretch: condensed; text-decoration: underline; font-kerning: none; hyphens: auto;
    word-break: break-all; tab-size: 20; visibility: visible; cursor: wait; font-feature-settings: "smcp";
  }
  head { display: none; }
`;

let server: ServerProcess;
let site: Site;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  const urlId = `styles-${Date.now()}`;
  site = await startSite({
    '/page.html': {
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A hostile site</title>
        <link rel="stylesheet" href="/hostile.css">
        <script type="module" src="${server.url}/widget.js"></script></head>
        <body><image-chat id="own" tenant-id="demo" url-id="${urlId}" src="/plan.svg" alt="A plan" server="${server.url}"></image-chat>
        <image-chat id="page-font" page-font tenant-id="demo" url-id="${urlId}" src="/plan.svg" alt="The same plan" server="${server.url}"></image-chat>
        </body></html>`,
    },
    '/hostile.css': { type: 'text/css', body: HOSTILE_CSS },
    '/plan.svg': flatPicture('#dde7f0'),
  });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await page.goto(`${site.origin}/page.html`);
  for (const id of ['own', 'page-font']) await page.locator(`#${id} [part="status"][data-state="live"]`).waitFor(WAIT);
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.dispose();
});

const TEXT_STYLES = [
  'textTransform', 'letterSpacing', 'wordSpacing', 'textAlign', 'textIndent', 'textShadow', 'whiteSpace', 'fontStyle',
  'fontVariantCaps', 'fontWeight', 'fontSize', 'lineHeight', 'fontFamily', 'fontStretch', 'textDecorationLine',
  'fontKerning', 'hyphens', 'wordBreak', 'tabSize', 'color', 'cursor', 'fontFeatureSettings',
] as const;

/** The computed text styles of an element, and what it reads as (innerText follows text-transform). */
function textOf(locator: Locator): Promise<Record<string, string>> {
  return locator.evaluate((element, names) => {
    const style = getComputedStyle(element) as unknown as Record<string, string>;
    return { innerText: (element as HTMLElement).innerText, ...Object.fromEntries(names.map((name) => [name, style[name]!])) };
  }, TEXT_STYLES as readonly string[]);
}

/** What a comment in the thread should look like, whatever the page: the widget's 14 px system type. */
const COMMENT = {
  innerText: WRITTEN, textTransform: 'none', letterSpacing: 'normal', wordSpacing: '0px', textAlign: 'start', textIndent: '0px',
  textShadow: 'none', whiteSpace: 'pre-wrap', fontStyle: 'normal', fontVariantCaps: 'normal', fontWeight: '400',
  fontSize: '14px', lineHeight: '20.3px', fontStretch: '100%', textDecorationLine: 'none', fontKerning: 'auto',
  hyphens: 'manual', wordBreak: 'normal', tabSize: '8', color: 'rgb(31, 35, 40)', cursor: 'auto', fontFeatureSettings: 'normal',
};

test('the element keeps its display under * { all: unset }', async () => {
  expect(await page.locator('#own').evaluate((element) => getComputedStyle(element).display)).toBe('inline-block');
  const image = await page.locator('#own [part="image"]').boundingBox();
  expect(image?.width).toBe(600);
});

test('a comment renders as written, in the widget\'s own type, in the thread and the composer', async () => {
  const widget = page.locator('#own');
  const box = await widget.locator('[part="image"]').boundingBox();
  if (!box) throw new Error('the image is not visible');
  await page.mouse.click(box.x + 0.3 * box.width, box.y + 0.4 * box.height);
  const field = widget.locator('[part~="composer"] textarea');
  const fieldStyle = await textOf(field);
  expect({ transform: fieldStyle.textTransform, spacing: fieldStyle.letterSpacing, align: fieldStyle.textAlign, style: fieldStyle.fontStyle })
    .toEqual({ transform: 'none', spacing: 'normal', align: 'start', style: 'normal' });
  await field.fill(WRITTEN);
  await page.keyboard.press('Enter');
  await widget.locator('[part~="marker"]').first().click();
  const comment = widget.locator('[part="thread"] .text');
  await comment.waitFor(WAIT);
  const style = await textOf(comment);
  expect(style.fontFamily).toMatch(/^system-ui\b/);
  expect({ ...style, fontFamily: undefined }).toEqual({ ...COMMENT, fontFamily: undefined });
  const bar = await textOf(widget.locator('.count'));
  expect({ transform: bar.textTransform, spacing: bar.letterSpacing, style: bar.fontStyle, size: bar.fontSize })
    // The bar's own 12px (widget/styles.ts), whatever size the hostile page sets.
    .toEqual({ transform: 'none', spacing: 'normal', style: 'normal', size: '12px' });
  expect(await widget.locator('[part~="marker"]').first().innerText()).toBe('1');
});

test('page-font opts in to the page\'s font family, and to nothing else of its text styles', async () => {
  const widget = page.locator('#page-font');
  await widget.locator('[part~="marker"]').first().click();
  const comment = widget.locator('[part="thread"] .text');
  await comment.waitFor(WAIT);
  const style = await textOf(comment);
  expect(style).toEqual({ ...COMMENT, fontFamily: 'Georgia, serif' });
});
