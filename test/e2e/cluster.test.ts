/**
 * The "done" check in a real browser: two windows on /demo served by different nodes of a three-node
 * cluster (Redis + PostgreSQL) annotate together live; Redis killed and a node killed, each brought back,
 * lose nothing.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Browser, type Locator, type Page } from 'playwright-core';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { launchChromium } from './browsers.js';

const WAIT = { timeout: 30_000 };

let cluster: Cluster;
let browser: Browser;
let a: Page;
let b: Page;

beforeAll(async () => {
  cluster = await startCluster(3);
  browser = await launchChromium();
  a = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  b = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await a.goto(`${cluster.nodes[0]!.url}/demo`);
  await b.goto(`${cluster.nodes[1]!.url}/demo`);
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
});

const plan = (page: Page): Locator => page.locator('image-chat').first();
const markersOf = (page: Page): Locator => plan(page).locator('[part~="marker"]');
const state = (page: Page) => plan(page).locator('[part="status"]').getAttribute('data-state');

async function addMarker(page: Page, x: number, y: number, text: string): Promise<void> {
  const image = plan(page).locator('[part="image"]');
  await image.scrollIntoViewIfNeeded();
  const box = await image.boundingBox();
  if (!box) throw new Error('the image is not visible');
  await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
  await plan(page).locator('[part~="composer"] textarea').fill(text);
  await plan(page).locator('[part~="composer"] button[type="submit"]').click();
  await expect.poll(() => plan(page).locator(`[part="marker"][aria-label*="${text}"]`).count(), WAIT).toBe(1);
}

const labels = (page: Page) => markersOf(page).evaluateAll((markers) => markers.map((m) => m.getAttribute('aria-label') ?? '').sort());

test('windows on node 1 and node 2 annotate together live', async () => {
  for (const page of [a, b]) await expect.poll(() => state(page), WAIT).toBe('live');
  await addMarker(a, 0.3, 0.4, 'From node one');
  await expect.poll(() => markersOf(b).count(), WAIT).toBe(1);
  await addMarker(b, 0.6, 0.6, 'From node two');
  await expect.poll(() => markersOf(a).count(), WAIT).toBe(2);
});

test('Redis killed: each window keeps working on its node; Redis back: both converge', async () => {
  await cluster.redis.kill();
  try {
    await addMarker(a, 0.2, 0.7, 'Written while Redis was down');
    expect(await state(a)).toBe('live');
  } finally {
    await cluster.redis.restart();
  }
  await expect.poll(() => markersOf(b).count(), WAIT).toBe(3);
  expect(await labels(b)).toEqual(await labels(a));
});

test('node 2 killed and restarted: window B comes back live with what it missed', async () => {
  await cluster.stopNode(1, 'SIGKILL');
  await expect.poll(() => state(b), WAIT).not.toBe('live');
  await addMarker(a, 0.8, 0.3, 'Written while node two was down');
  await cluster.startNode(1);
  await expect.poll(() => state(b), { timeout: 60_000 }).toBe('live');
  await expect.poll(() => markersOf(b).count(), WAIT).toBe(4);
  expect(await labels(b)).toEqual(await labels(a));
});
