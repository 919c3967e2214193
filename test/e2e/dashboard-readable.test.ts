/**
 * The dashboard explains itself (issue 13, items 9–11): the sign-in page says where the secret comes from; the
 * counters show their names (`pubSubMessageCount`, `pubSubBandwidth`) with what they count; bandwidth moves with
 * each message; charts have a labelled y-axis and days; on a phone the live feed comes before the charts; an
 * image's name opens it in the moderation view, for any tenant's images.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { startDashboardStage, type DashboardStage } from './browsers.js';
import { rest } from '../helpers/rest.js';

const WAIT = { timeout: 20_000 };
let stage: DashboardStage;
let dashboard: Page;

beforeAll(async () => {
  stage = await startDashboardStage({ USAGE_FLUSH_MS: '300' });
  dashboard = stage.dashboard;
});
afterAll(async () => { await stage?.close(); });

async function signIn(page: Page): Promise<void> {
  await page.goto(`${stage.server.url}/dashboard`);
  await page.locator('input[name="tenantId"]').fill('demo');
  await page.locator('input[name="secret"]').fill(stage.secret);
  await page.locator('button[type="submit"]').click();
  await expect.poll(() => page.locator('[data-counter="pubSubMessageCount"] .value').textContent(), WAIT).toMatch(/^\d/);
}

test('the sign-in page says where the tenant id and secret come from', async () => {
  await dashboard.goto(`${stage.server.url}/dashboard`);
  const where = await dashboard.locator('#where').textContent();
  expect(where).toContain('npm run tenant -- create');
  expect(where).toMatch(/demo.*prints its\s+secret when it starts/s);
});

test('counters are named as the API names them, say what they count, and bandwidth moves with each message', async () => {
  await signIn(dashboard);
  for (const name of ['pubSubMessageCount', 'pubSubBandwidth']) {
    const card = dashboard.locator(`[data-counter="${name}"]`);
    expect(await card.locator('code').textContent()).toBe(name);
    expect((await card.locator('.meaning').textContent())!.length).toBeGreaterThan(20);
  }
  expect(await dashboard.locator('[data-counter="pubSubMessageCount"] .meaning').textContent()).toContain('echo');
  const bandwidth = () => dashboard.locator('[data-counter="pubSubBandwidth"] .value').textContent();
  // A viewer of the image makes each write a delivered copy.
  const viewer = await (await stage.browser.newContext()).newPage();
  await viewer.goto(`${stage.server.url}/demo`);
  const before = await bandwidth();
  for (let i = 0; i < 2; i += 1) {
    await rest(stage.server.url, stage.secret, 'POST', '/api/v1/tenants/demo/writes', { urlId: 'demo-floor-plan', type: 'create-chat', x: 0.1 + i * 0.1, y: 0.9, text: `m${i}` });
  }
  await expect.poll(bandwidth, WAIT).not.toBe(before);
  expect(await bandwidth()).toMatch(/^\d+(\.\d+)? (B|KB|MB)$/);
  await viewer.close();
});

test('charts have a labelled y-axis and named days, today last', async () => {
  const chart = dashboard.locator('usage-chart[data-counter="pubSubMessageCount"]');
  await expect.poll(async () => (await chart.locator('text.y').allTextContents()).length, WAIT).toBe(3);
  const ys = await chart.locator('text.y').allTextContents();
  expect(ys[0]).toBe('0');
  expect(Number(ys[2]!.replace(/,/g, ''))).toBeGreaterThan(0);
  const days = await chart.locator('text.x').allTextContents();
  expect(days.at(-1)).toBe('today');
  expect(days[0]).toMatch(/^\d{1,2} [A-Z][a-z]{2}$/);
  expect(days.length).toBeGreaterThanOrEqual(4);
});

test('on a phone the live numbers and feed come before the charts', async () => {
  const phone = await (await stage.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
  await signIn(phone);
  const top = async (selector: string) => (await phone.locator(selector).boundingBox())!.y;
  expect(await top('[part="feed"]')).toBeLessThan(await top('[part="charts"]'));
  expect(await top('[part="live"]')).toBeLessThan(await top('[part="today"]'));
  await phone.close();
});

test('an image\'s name in the top images and the feed opens it in the moderation view, for a tenant\'s own image ids too', async () => {
  const urlId = `product-${randomUUID().slice(0, 8)}`;
  await expect.poll(() => dashboard.locator('[part="feed"] .chip').textContent(), WAIT).toBe('live');
  await rest(stage.server.url, stage.secret, 'POST', '/api/v1/tenants/demo/writes', { urlId, type: 'create-chat', x: 0.5, y: 0.5, text: 'a product photo' });
  const inFeed = dashboard.locator(`moderation-feed button[data-moderate="${urlId}"]`);
  await inFeed.waitFor(WAIT);
  await inFeed.click();
  await expect.poll(() => dashboard.locator('moderation-browser #viewer-heading').textContent(), WAIT).toContain(urlId);
  // Focus moves to what opened, so a keyboard user is taken there.
  expect(await dashboard.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.shadowRoot?.activeElement?.id)).toBe('viewer-heading');
});
