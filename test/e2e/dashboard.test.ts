/**
 * The tenant dashboard end to end: the real server process, Debian's Chromium, the dashboard in one browser
 * context and /demo in another. Sign in, see today's counters and the 30-day charts; a marker made on /demo
 * appears in the live feed; deleting it there removes it from the demo page, live. Takes a screenshot into
 * .tmp/ (`UPDATE_SCREENSHOTS=1 npm run test:e2e` writes docs/dashboard.png, the README's picture). Last, the
 * rules panel changes the tenant's write rule, and the REST API reports it.
 */
import { mkdirSync, statSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { ServerProcess } from '../helpers/server-process.mjs';
import { startDashboardStage, type DashboardStage } from './browsers.js';

const WAIT = { timeout: 20_000 };
/** The product asks for the feed within a second; the test allows for a loaded 2-core machine and reports the time. */
const FEED_WAIT = { timeout: 5_000, interval: 25 };

let stage: DashboardStage;
let server: ServerProcess;
let dashboard: Page;
let demo: Page;
let secret: string;

beforeAll(async () => {
  stage = await startDashboardStage({ USAGE_FLUSH_MS: '500' });
  ({ server, dashboard, demo, secret } = stage);
});

afterAll(async () => {
  await stage?.close();
});

const plan = (page: Page): Locator => page.locator('image-chat').first();
const feedItems = (): Locator => dashboard.locator('moderation-feed li');

test('sign in with the tenant id and secret: today\'s counters and a 30-day chart per counter', async () => {
  await dashboard.goto(`${server.url}/dashboard`);
  await dashboard.locator('input[name="tenantId"]').fill('demo');
  await dashboard.locator('input[name="secret"]').fill('ics_not-the-secret');
  await dashboard.locator('button[type="submit"]').click();
  await expect.poll(() => dashboard.locator('dashboard-app [role="alert"]').textContent(), WAIT).toBe('That tenant id and secret do not match.');

  await dashboard.locator('input[name="secret"]').fill(secret);
  await dashboard.locator('button[type="submit"]').click();
  await expect.poll(() => dashboard.locator('[data-counter="pubSubMessageCount"] .value').textContent(), WAIT).toMatch(/^\d[\d,]*$/);
  expect(await dashboard.locator('[part="today"] .card').count()).toBe(4);
  expect(await dashboard.locator('usage-chart').count()).toBe(4);
  for (const chart of await dashboard.locator('usage-chart').all()) expect(await chart.locator('rect.bar').count()).toBe(30);
  // The secret is in this tab's sessionStorage only, never in the URL.
  expect(dashboard.url()).toBe(`${server.url}/dashboard`);
  expect(await dashboard.evaluate(() => sessionStorage.getItem('image-chat-dashboard'))).toContain(secret);
  expect(await dashboard.evaluate(() => localStorage.length)).toBe(0);
});

test('a marker made on /demo appears in the live feed; deleting it there removes it from the demo page', async () => {
  await expect.poll(() => dashboard.locator('[part="feed"] .chip').textContent(), WAIT).toBe('live');
  await expect.poll(() => plan(demo).locator('[part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  const box = await plan(demo).locator('[part="image"]').boundingBox();
  if (!box) throw new Error('the demo image is not visible');
  await demo.mouse.click(box.x + 0.45 * box.width, box.y + 0.35 * box.height);
  await plan(demo).locator('[part~="composer"] input[name="name"]').fill('Mallory');
  const text = 'Buy now <img src=x onerror="document.title=1">';
  await plan(demo).locator('[part~="composer"] textarea').fill(text);
  const sent = Date.now();
  await demo.keyboard.press('Enter');
  await expect.poll(() => feedItems().count(), FEED_WAIT).toBe(1);
  console.log(`marker from /demo visible in the dashboard feed after ${Date.now() - sent} ms`);
  const item = feedItems().first();
  expect(await item.locator('.text').textContent()).toBe(text);
  expect(await item.locator('img').count()).toBe(0);
  expect(await item.locator('.meta').textContent()).toContain('New marker by Mallory');
  expect(await item.locator('a').getAttribute('href')).toBe('/demo#demo-floor-plan');
  await expect.poll(() => plan(demo).locator('[part~="marker"]').count(), WAIT).toBe(1);

  await item.locator('button[part="delete"]').click();
  await expect.poll(() => plan(demo).locator('[part~="marker"]').count(), WAIT).toBe(0);
  await expect.poll(() => item.locator('button[part="delete"]').textContent(), WAIT).toMatch(/Deleted/);
});

test('the counters move with the traffic, and a screenshot is saved for the README', async () => {
  // Another marker and a reply, so the feed and the numbers have something to show.
  const box = await plan(demo).locator('[part="image"]').boundingBox();
  if (!box) throw new Error('the demo image is not visible');
  await demo.mouse.click(box.x + 0.7 * box.width, box.y + 0.6 * box.height);
  await plan(demo).locator('[part~="composer"] textarea').fill('Could the kitchen get a window here?');
  await demo.keyboard.press('Enter');
  await expect.poll(() => feedItems().count(), WAIT).toBe(2);
  await expect.poll(async () => Number((await dashboard.locator('[data-counter="pubSubMessageCount"] .value').textContent())?.replace(/,/g, '')), WAIT).toBeGreaterThanOrEqual(3);
  await expect.poll(async () => Number(await dashboard.locator('[data-counter="conversationCreateCount"] .value').textContent()), WAIT).toBe(2);
  await expect.poll(async () => Number(await dashboard.locator('[data-live="connections"] .value').textContent()), WAIT).toBe(1);
  await expect.poll(() => dashboard.locator('[part="live"] ~ table tbody tr').count(), WAIT).toBeGreaterThan(0);
  // Every run photographs the dashboard into .tmp/; UPDATE_SCREENSHOTS=1 refreshes the README's picture.
  const path = process.env.UPDATE_SCREENSHOTS ? 'docs/dashboard.png' : '.tmp/dashboard.png';
  mkdirSync('.tmp', { recursive: true });
  await dashboard.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
});

test('the rules panel changes the write rule, which the REST API then reports; a refused change shows the API\'s message', async () => {
  const rulesOverRest = async (): Promise<unknown> =>
    ((await (await fetch(`${server.url}/api/v1/tenants/demo/rules`, { headers: { authorization: `Bearer ${secret}` } })).json()) as { rules: unknown }).rules;
  expect(await rulesOverRest()).toMatchObject({ write: 'anyone', loginUrl: null });
  const panel = dashboard.locator('rules-panel');
  const write = panel.getByRole('group', { name: 'Who may write' });
  const signedInOnly = write.getByRole('radio', { name: /Signed-in readers only/ });
  await expect.poll(() => signedInOnly.count(), WAIT).toBe(1);
  expect(await write.getByRole('radio', { name: /Anyone/ }).isChecked()).toBe(true);
  const status = panel.locator('[part="status"]');

  // The server validates: a login URL it does not take is refused, with its message, and nothing is saved.
  await signedInOnly.check();
  await panel.getByLabel('Login URL').fill('http://shop.example/login');
  await panel.getByRole('button', { name: 'Save rules' }).click();
  await expect.poll(() => status.textContent(), WAIT).toBe('Not saved: "loginUrl" must be an https URL (http only for localhost) or null');
  expect(await status.getAttribute('role')).toBe('alert');
  expect(await rulesOverRest()).toMatchObject({ write: 'anyone', loginUrl: null });

  await panel.getByLabel('Login URL').fill('https://shop.example/login');
  await panel.getByRole('button', { name: 'Save rules' }).click();
  await expect.poll(() => status.textContent(), WAIT).toMatch(/^Saved\./);
  expect(await rulesOverRest()).toEqual({ write: 'sso-only', resolve: 'anyone', presence: true, presenceNames: true, simpleSso: false, loginUrl: 'https://shop.example/login' });

  // A reload shows the stored rules, not the form's leftovers.
  await dashboard.reload();
  await expect.poll(() => dashboard.locator('rules-panel').getByRole('radio', { name: /Signed-in readers only/ }).isChecked(), WAIT).toBe(true);
  expect(await dashboard.locator('rules-panel').getByLabel('Login URL').inputValue()).toBe('https://shop.example/login');
});
