/**
 * axe-core (node_modules/axe-core) in Debian's Chromium on the pages the server renders: /demo with a thread
 * open and with the composer open, in light and dark, and /dashboard signed out and signed in. Each must have
 * no violation. The contexts bypass the pages' own CSP only so that axe's script can be added to them.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '../helpers/server-process.mjs';
import { launchChromium } from './browsers.js';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WAIT = { timeout: 20_000 };

let server: ServerProcess;
let browser: Browser;
let secret: string;

beforeAll(async () => {
  server = new ServerProcess();
  await server.start();
  const printed = /secret (ics_[A-Za-z0-9_-]+)/.exec(server.log);
  if (!printed?.[1]) throw new Error(`the server did not print the demo secret:\n${server.log}`);
  secret = printed[1];
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.dispose();
});

interface Violation { id: string; help: string; nodes: string[] }

/** Runs axe on the page (open shadow roots included) and lists its violations, each with its elements. */
async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document): Promise<{ violations: { id: string; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((violation) => ({
      id: violation.id,
      help: violation.help,
      nodes: violation.nodes.map((node) => `${JSON.stringify(node.target)}: ${node.failureSummary ?? ''}`),
    }));
  });
}

async function openPage(path: string, colorScheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme, bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${server.url}${path}`);
  return page;
}

// Each run adds a marker to the demo's plan, at its own spot (a click on an earlier marker would open it).
for (const [colorScheme, spot] of [['light', 0.3], ['dark', 0.6]] as const) {
  test(`/demo in ${colorScheme}: no violation with the composer open, nor with a thread open`, async () => {
    const page = await openPage('/demo', colorScheme);
    const plan = page.locator('image-chat').first();
    await plan.locator('[part="status"][data-state="live"]').waitFor(WAIT);
    const box = await plan.locator('[part="image"]').boundingBox();
    if (!box) throw new Error('the image is not visible');
    await page.mouse.click(box.x + spot * box.width, box.y + spot * box.height);
    await plan.locator('[part~="composer"] textarea').waitFor(WAIT);
    expect(await axeViolations(page)).toEqual([]);

    await plan.locator('[part~="composer"] input[name="name"]').fill('Ann');
    await plan.locator('[part~="composer"] textarea').fill(`A comment in ${colorScheme}`);
    await page.keyboard.press('Enter');
    await plan.locator('[part~="marker"]').last().click();
    await plan.locator('[part="thread"]').waitFor(WAIT);
    await expect.poll(() => plan.locator('[part="thread"]').getAttribute('data-chat-id')).toBeTruthy();
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });
}

test('/dashboard: no violation signed out, nor signed in', async () => {
  const page = await openPage('/dashboard', 'light');
  await page.locator('input[name="tenantId"]').waitFor(WAIT);
  expect(await axeViolations(page)).toEqual([]);
  await page.locator('input[name="tenantId"]').fill('demo');
  await page.locator('input[name="secret"]').fill(secret);
  await page.locator('button[type="submit"]').click();
  await page.locator('[data-counter="pubSubMessageCount"] .value').waitFor(WAIT);
  expect(await axeViolations(page)).toEqual([]);
  await page.context().close();
});
