/**
 * Moderation of what is stored, end to end (docs/dashboard.md#moderation): the real server process, Debian's
 * Chromium, /demo in one browser context and the dashboard in another. Comments made on /demo before the
 * dashboard was opened are found by the dashboard's search; the image opens with its markers drawn; deleting the
 * spam marker there, after a confirmation that says its thread goes with it, removes it from the open demo page.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { ServerProcess } from '../helpers/server-process.mjs';
import { startDashboardStage, type DashboardStage } from './browsers.js';

const WAIT = { timeout: 20_000 };

let stage: DashboardStage;
let server: ServerProcess;
let dashboard: Page;
let demo: Page;
let secret: string;

beforeAll(async () => {
  stage = await startDashboardStage();
  ({ server, dashboard, demo, secret } = stage);
});

afterAll(async () => {
  await stage?.close();
});

const plan = (page: Page): Locator => page.locator('image-chat').first();

async function markOnDemo(x: number, y: number, text: string): Promise<void> {
  const markers = await plan(demo).locator('[part~="marker"]').count();
  const box = await plan(demo).locator('[part="image"]').boundingBox();
  if (!box) throw new Error('the demo image is not visible');
  await demo.mouse.click(box.x + x * box.width, box.y + y * box.height);
  const name = plan(demo).locator('[part~="composer"] input[name="name"]');
  if (await name.count() > 0 && await name.inputValue() === '') await name.fill('Mallory');
  await plan(demo).locator('[part~="composer"] textarea').fill(text);
  await demo.keyboard.press('Enter');
  await expect.poll(() => plan(demo).locator('[part~="marker"]').count(), WAIT).toBe(markers + 1);
}

test('an old comment made on /demo is found by search in the dashboard, deleted after its confirmation, and leaves the open demo page', async () => {
  await expect.poll(() => plan(demo).locator('[part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  const spam = 'Cheap SPAM offer <img src=x onerror="document.title=1">';
  await markOnDemo(0.3, 0.3, 'Is this wall load-bearing?');
  await markOnDemo(0.7, 0.6, spam);

  // The dashboard opens only now: what it finds is stored, not heard live.
  await dashboard.goto(`${server.url}/dashboard`);
  await dashboard.locator('input[name="tenantId"]').fill('demo');
  await dashboard.locator('input[name="secret"]').fill(secret);
  await dashboard.locator('button[type="submit"]').click();
  const browserPanel = dashboard.locator('moderation-browser');
  const hits = browserPanel.locator('[part="comments"] li');
  await expect.poll(() => hits.count(), WAIT).toBe(2);
  // Newest first.
  expect(await hits.first().locator('.text').textContent()).toBe(spam);
  expect(await browserPanel.locator('[part="images"] li').count()).toBe(1);

  const search = browserPanel.getByRole('search');
  await search.getByLabel('Text').fill('spam');
  await search.getByRole('button', { name: 'Search' }).click();
  await expect.poll(() => hits.count(), WAIT).toBe(1);
  const hit = hits.first();
  expect(await hit.locator('.text').textContent()).toBe(spam);
  // User text is text: the markup in it made no element.
  expect(await hit.locator('img').count()).toBe(0);
  expect(await hit.locator('.meta').first().textContent()).toContain('Mallory');

  // The image opens with both markers drawn on it, and its threads.
  await hit.getByRole('button', { name: 'Open image' }).click();
  const viewer = browserPanel.locator('[part="viewer"]');
  await expect.poll(() => viewer.locator('.pin').count(), WAIT).toBe(2);
  expect(await viewer.locator('img').getAttribute('src')).toBe('/demo/floor-plan.svg');
  expect(await viewer.locator('.thread').count()).toBe(2);

  // Delete asks first and says what goes with it; Cancel keeps everything.
  await hit.getByRole('button', { name: 'Delete marker' }).click();
  const dialog = browserPanel.getByRole('dialog');
  await expect.poll(() => dialog.isVisible(), WAIT).toBe(true);
  expect(await dialog.textContent()).toContain('deletes the marker and its whole thread');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(() => dialog.isVisible(), WAIT).toBe(false);
  expect(await plan(demo).locator('[part~="marker"]').count()).toBe(2);

  await hit.getByRole('button', { name: 'Delete marker' }).click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect.poll(() => plan(demo).locator('[part~="marker"]').count(), WAIT).toBe(1);
  await expect.poll(() => browserPanel.locator('[part="status"]').textContent(), WAIT).toBe('Marker and its thread deleted.');
  await expect.poll(() => hits.count(), WAIT).toBe(0);
  await expect.poll(() => viewer.locator('.pin').count(), WAIT).toBe(1);
});

test('resolve from the dashboard reaches the demo page; reopen too', async () => {
  const viewer = dashboard.locator('moderation-browser [part="viewer"]');
  const thread = viewer.locator('.thread').first();
  await thread.getByRole('button', { name: 'Resolve' }).click();
  await expect.poll(() => thread.getByRole('button', { name: 'Reopen' }).count(), WAIT).toBe(1);
  await expect.poll(() => viewer.locator('.pin[data-resolved]').count(), WAIT).toBe(1);
  const resolvedOverRest = async (): Promise<boolean | undefined> =>
    ((await (await fetch(`${server.url}/api/v1/tenants/demo/image?urlId=demo-floor-plan`, { headers: { authorization: `Bearer ${secret}` } })).json()) as { chats: { resolved: boolean }[] }).chats[0]?.resolved;
  expect(await resolvedOverRest()).toBe(true);
  const demoResolved = (): Promise<number> => plan(demo).locator('[part~="marker"].resolved').count();
  await expect.poll(demoResolved, WAIT).toBe(1);
  await thread.getByRole('button', { name: 'Reopen' }).click();
  await expect.poll(() => viewer.locator('.pin[data-resolved]').count(), WAIT).toBe(0);
  expect(await resolvedOverRest()).toBe(false);
  await expect.poll(demoResolved, WAIT).toBe(0);
});
