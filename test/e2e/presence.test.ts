/**
 * Presence end to end (issue 15): the real server process, Debian's Chromium, two people in two browser windows
 * on /demo (Ann and Bob, guests who gave their names), then a third tab of Ann's. They see each other's faces and
 * the count 2; Ann's third tab keeps it 2; Ann typing a reply shows "Ann is typing…" in Bob's open thread until
 * it expires; Bob closing his window makes it 1.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WAIT = { timeout: 20_000 };
/** "Within a few seconds": a departure reaches the others after the server's quarter-second flush. */
const FEW_SECONDS = { timeout: 10_000, interval: 50 };

let server: ServerProcess;
let browser: Browser;
let annContext: BrowserContext;
let ann: Page;
let bob: Page;

/** A browser window whose guest has given a name (as the composer remembers it). */
async function windowOf(name: string): Promise<{ context: BrowserContext; page: Page }> {
  // The page's own CSP is bypassed only so that axe's script can be added.
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, bypassCSP: true });
  await context.addInitScript((saved) => localStorage.setItem('image-chat:name', saved), name);
  const page = await context.newPage();
  await page.goto(`${server.url}/demo`);
  return { context, page };
}

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  browser = await launchChromium();
  ({ context: annContext, page: ann } = await windowOf('Ann'));
  ({ page: bob } = await windowOf('Bob'));
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

const plan = (page: Page): Locator => page.locator('image-chat').first();
const presenceOf = (page: Page): Locator => plan(page).locator('[part="presence"]');
const countOf = (page: Page): Promise<string | null> => presenceOf(page).locator('.label').textContent();
const namesOf = (page: Page): Promise<string[]> => presenceOf(page).locator('[part="names"] li').allTextContents();
const initialsOf = (page: Page): Promise<string[]> => presenceOf(page).locator('[part="face"]').allTextContents();
/** axe-core's violations on the page, open shadow roots included, as "rule: targets". */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((violation) => `${violation.id}: ${JSON.stringify(violation.nodes.map((node) => node.target))}`);
  });
}

/** The count the widget holds (0 once nobody else is here is never shown, so the store is read). */
const heldCount = (page: Page): Promise<number | undefined> => plan(page).evaluate((element) => (element as HTMLElement & { store?: { presence: { count: number } } }).store?.presence.count);

test('two windows on one image see each other\'s face and the count 2', async () => {
  await expect.poll(() => countOf(ann), WAIT).toBe('2 viewing');
  await expect.poll(() => countOf(bob), WAIT).toBe('2 viewing');
  expect(await namesOf(ann)).toEqual(['Ann (you)', 'Bob']);
  expect(await namesOf(bob)).toEqual(['Ann', 'Bob (you)']);
  expect(await initialsOf(ann)).toEqual(['A', 'B']);
  // Hovering shows the names (mouse users) …
  await presenceOf(ann).hover();
  await expect.poll(() => presenceOf(ann).locator('[part="names"]').isVisible(), WAIT).toBe(true);
  await ann.mouse.move(0, 0);
  await expect.poll(() => presenceOf(ann).locator('[part="names"]').isVisible(), WAIT).toBe(false);
  // … and so does keyboard focus.
  await presenceOf(bob).locator('button').focus();
  await expect.poll(() => presenceOf(bob).locator('[part="names"]').isVisible(), WAIT).toBe(true);
  expect(await axeViolations(bob)).toEqual([]);
  await bob.emulateMedia({ colorScheme: 'dark' });
  expect(await axeViolations(bob)).toEqual([]);
  await bob.emulateMedia({ colorScheme: 'light' });
  await bob.keyboard.press('Escape');
  await expect.poll(() => presenceOf(bob).locator('[part="names"]').isVisible(), WAIT).toBe(false);
});

test('Ann typing a reply shows "Ann is typing…" in Bob\'s open thread, and it expires', async () => {
  const image = plan(ann).locator('[part="image"]');
  await image.scrollIntoViewIfNeeded();
  const box = await image.boundingBox();
  if (!box) throw new Error('the image is not visible');
  await ann.mouse.click(box.x + 0.3 * box.width, box.y + 0.4 * box.height);
  await plan(ann).locator('[part~="composer"] textarea').fill('Could the sofa face the window?');
  await ann.keyboard.press('Enter');
  const bobMarker = plan(bob).locator('[part~="marker"]').first();
  await expect.poll(() => bobMarker.count(), WAIT).toBe(1);
  await bobMarker.click();
  const bobTyping = plan(bob).locator('[part="typing"]');
  await expect.poll(() => bobTyping.count(), WAIT).toBe(1);
  expect(await bobTyping.getAttribute('role')).toBe('status');

  await plan(ann).locator('[part~="marker"]').first().click();
  await plan(ann).locator('[part="thread"] textarea').pressSequentially('Yes, with a lamp');
  await expect.poll(() => bobTyping.textContent(), WAIT).toBe('Ann is typing…');
  // Ann pauses: no renewal, so the line goes after TYPING_EXPIRES_MS.
  await expect.poll(() => bobTyping.textContent(), WAIT).toBe('');
  await ann.keyboard.press('Escape');
  await bob.keyboard.press('Escape');
});

test('a third tab of the same person keeps the count at 2', async () => {
  const third = await annContext.newPage();
  await third.goto(`${server.url}/demo`);
  // Its snapshot is the server's count with the third tab in it.
  await expect.poll(() => countOf(third), WAIT).toBe('2 viewing');
  expect(await namesOf(third)).toEqual(['Ann (you)', 'Bob']);
  expect(await countOf(ann)).toBe('2 viewing');
  expect(await countOf(bob)).toBe('2 viewing');
});

test('closing one window makes it 1 within a few seconds', async () => {
  await bob.close();
  await expect.poll(() => heldCount(ann), FEW_SECONDS).toBe(1);
  expect(await presenceOf(ann).count()).toBe(0); // just Ann: no presence shown
});
