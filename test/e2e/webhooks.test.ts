/**
 * The dashboard's Webhooks panel end to end: the real server process (private addresses allowed, a 50 ms poll,
 * two 4 s retries), Debian's Chromium, /demo in one browser context and the dashboard in another, and a real
 * local receiver. Register the receiver in the dashboard and read the signing secret it shows once; a marker
 * made on /demo reaches the receiver signed with that secret and is listed as delivered. Then the receiver
 * answers 500: the delivery is listed pending with its status and next attempt, and after the last retry the
 * server turns the endpoint off, which the panel says with the server's reason. Turned on again, the secret
 * rotated (the old one still signs), Resend delivers it. Last, removing asks first.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { ServerProcess } from '../helpers/server-process.mjs';
import { signatureValid, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { startDashboardStage, type DashboardStage } from './browsers.js';

const WAIT = { timeout: 20_000 };
/** Two retries 4 s apart (±20%): long enough to see a delivery pending, short enough to see the endpoint turned off. */
const RETRY_DELAYS_MS = '4000,4000';

let stage: DashboardStage;
let server: ServerProcess;
let dashboard: Page;
let demo: Page;
let secret: string;
let receiver: WebhookReceiver;
/** The endpoint's signing secret, as the dashboard showed it once. */
let signingSecret = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => 200);
  stage = await startDashboardStage({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_DELAYS_MS: RETRY_DELAYS_MS });
  ({ server, dashboard, demo, secret } = stage);
  await dashboard.goto(`${server.url}/dashboard`);
  await dashboard.locator('input[name="tenantId"]').fill('demo');
  await dashboard.locator('input[name="secret"]').fill(secret);
  await dashboard.locator('button[type="submit"]').click();
});

afterAll(async () => {
  await stage?.close();
  await receiver?.close();
});

const panel = (): Locator => dashboard.locator('webhooks-panel');
const endpoint = (): Locator => panel().locator('[part="endpoints"] > li').first();
const rows = (): Locator => endpoint().locator('webhook-deliveries tbody tr');
const plan = (page: Page): Locator => page.locator('image-chat').first();

const restWebhooks = async (): Promise<string> =>
  (await fetch(`${server.url}/api/v1/tenants/demo/webhooks`, { headers: { authorization: `Bearer ${secret}` } })).text();

/** The newest delivery's row once it is in `state`, refreshing the list as a person would. */
async function newestRowIn(state: string): Promise<Locator> {
  await expect.poll(async () => {
    await endpoint().getByRole('button', { name: 'Refresh deliveries' }).click();
    return rows().first().getAttribute('data-state', { timeout: 1000 }).catch(() => null);
  }, WAIT).toBe(state);
  return rows().first();
}

const cell = (row: Locator, field: string): Promise<string | null> => row.locator(`[data-field="${field}"]`).textContent();

test('the API\'s refusal is shown as text; the receiver registered with some event types; its secret is shown once', async () => {
  await expect.poll(() => panel().locator('p.meta').first().textContent(), WAIT).toMatch(/^No endpoints yet/);
  const form = panel().locator('form[part="register"]');
  await form.getByLabel('Endpoint URL').fill('not a url');
  await form.getByRole('button', { name: 'Register endpoint' }).click();
  const status = panel().locator('[part="status"]');
  await expect.poll(() => status.textContent(), WAIT).toBe('Not registered: "url" is not a valid absolute URL');
  expect(await status.getAttribute('role')).toBe('alert');

  // "Only these" with none chosen is caught here; then two of the eight.
  await form.getByLabel('Endpoint URL').fill(receiver.url);
  await form.getByRole('radio', { name: 'Only these:' }).check();
  expect(await form.getByRole('checkbox').count()).toBe(8);
  await form.getByRole('button', { name: 'Register endpoint' }).click();
  await expect.poll(() => status.textContent(), WAIT).toBe('Not registered: choose at least one event type, or All events.');
  await form.getByRole('checkbox', { name: 'chat.created' }).check();
  await form.getByRole('checkbox', { name: 'chat.deleted' }).check();
  const description = 'Orders <b>backend</b>';
  await form.getByLabel('Description').fill(description);
  await form.getByRole('button', { name: 'Register endpoint' }).click();

  const box = panel().locator('webhook-secret');
  await expect.poll(() => box.locator('[part="secret"]').textContent(), WAIT).toMatch(/^whsec_[A-Za-z0-9_-]+$/);
  signingSecret = (await box.locator('[part="secret"]').textContent()) ?? '';
  expect(await box.getByRole('region').textContent()).toContain('Signing secret — shown once');
  // Focus lands on the Copy button, so the secret is not missed from the keyboard.
  expect(await box.locator('button[part="copy"]').evaluate((button) => button.matches(':focus'))).toBe(true);

  expect(await endpoint().locator('.url').textContent()).toBe(receiver.url);
  expect(await endpoint().locator('[data-field="enabled"]').textContent()).toBe('on');
  expect(await endpoint().locator('[data-field="events"]').textContent()).toBe('chat.created, chat.deleted');
  expect(await endpoint().locator('[data-field="description"]').textContent()).toBe(description);
  expect(await endpoint().locator('b').count()).toBe(0);
  // The API never answers the secret again, and the dashboard keeps it nowhere.
  expect(await restWebhooks()).not.toContain(signingSecret);
  await box.getByRole('button', { name: 'I have stored it' }).click();
  await expect.poll(() => panel().locator('webhook-secret').count(), WAIT).toBe(0);
  await dashboard.reload();
  await expect.poll(() => endpoint().locator('.url').textContent(), WAIT).toBe(receiver.url);
  expect(await panel().locator('webhook-secret').count()).toBe(0);
  expect(await dashboard.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toContain('whsec_');
});

test('a marker made on /demo reaches the receiver signed with that secret, and the panel lists it delivered', async () => {
  await expect.poll(() => plan(demo).locator('[part="status"]').getAttribute('data-state'), WAIT).toBe('live');
  const box = await plan(demo).locator('[part="image"]').boundingBox();
  if (!box) throw new Error('the demo image is not visible');
  await demo.mouse.click(box.x + 0.4 * box.width, box.y + 0.4 * box.height);
  await plan(demo).locator('[part~="composer"] input[name="name"]').fill('Ann');
  await plan(demo).locator('[part~="composer"] textarea').fill('Is this wall load-bearing?');
  await demo.keyboard.press('Enter');

  const [delivery] = await receiver.waitFor((all) => all.length >= 1);
  expect(delivery!.body).toMatchObject({ type: 'chat.created', tenantId: 'demo', urlId: 'demo-floor-plan', seq: 1 });
  expect(signatureValid(delivery!, signingSecret)).toBe(true);
  expect(signatureValid(delivery!, 'whsec_not-the-secret')).toBe(false);

  const toggle = endpoint().getByRole('button', { name: 'Show deliveries' });
  expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  await toggle.click();
  expect(await endpoint().getByRole('button', { name: 'Hide deliveries' }).getAttribute('aria-expanded')).toBe('true');
  const row = await newestRowIn('delivered');
  expect(await row.locator('td').first().textContent()).toContain('chat.created');
  expect((await row.locator('td').nth(1).textContent())?.trim()).toBe('demo-floor-plan');
  expect((await row.locator('td').nth(2).textContent())?.trim()).toBe('1');
  expect((await row.locator('td').nth(4).textContent())?.trim()).toBe('1');
  expect(await cell(row, 'last-status')).toBe('200');
  expect(await cell(row, 'last-error')).toBe('—');
  expect(await cell(row, 'next-attempt')).toBe('—');
});

test('a receiver answering 500: pending with its status and next attempt; turned off by the server with its reason; on again, rotated, Resend delivers', async () => {
  receiver.respond = () => 500;
  const chatId = receiver.received[0]!.body.chatId;
  const deleted = await fetch(`${server.url}/api/v1/tenants/demo/writes`, {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'delete-chat', urlId: 'demo-floor-plan', chatId }),
  });
  expect(deleted.status).toBe(200);
  await receiver.waitFor((all) => all.length >= 2);

  const pending = await newestRowIn('pending');
  expect(await pending.locator('td').first().textContent()).toContain('chat.deleted');
  expect(await cell(pending, 'last-status')).toBe('500');
  expect(await cell(pending, 'last-error')).toBe('HTTP 500: status 500 from the receiver');
  expect(await cell(pending, 'next-attempt')).toMatch(/\d{1,2}:\d{2}:\d{2}/);

  // The last retry fails too: the delivery has failed, and the server turned the endpoint off and says why.
  await receiver.waitFor((all) => all.length >= 4, 30_000);
  await expect.poll(async () => {
    await panel().getByRole('button', { name: 'Refresh endpoints' }).click();
    return endpoint().locator('[data-field="enabled"]').textContent();
  }, WAIT).toBe('off');
  expect(await endpoint().locator('[part="turned-off"] [data-field="reason"]').textContent())
    .toBe('turned off after 3 failed attempts; the last: HTTP 500: status 500 from the receiver');
  expect(await panel().getByRole('alert').first().textContent()).toMatch(/One endpoint was\s+turned off by the server after its deliveries kept failing/);
  const failed = await newestRowIn('failed');
  expect((await failed.locator('td').nth(4).textContent())?.trim()).toBe('3');
  expect(await cell(failed, 'next-attempt')).toBe('—');
  // Every run photographs the panel of an endpoint the server turned off into .tmp/, to look at.
  mkdirSync('.tmp', { recursive: true });
  await panel().screenshot({ path: '.tmp/webhooks.png' });

  receiver.respond = () => 200;
  await endpoint().getByRole('button', { name: 'Turn on' }).click();
  await expect.poll(() => endpoint().locator('[data-field="enabled"]').textContent(), WAIT).toBe('on');
  expect(await endpoint().locator('[part="turned-off"]').count()).toBe(0);

  // Rotate without revoking: a new secret, shown once; the old one keeps signing for 24 h.
  await endpoint().getByRole('button', { name: 'Rotate secret' }).click();
  const dialog = panel().getByRole('dialog');
  await expect.poll(() => dialog.isVisible(), WAIT).toBe(true);
  expect(await dialog.textContent()).toContain('keeps signing for 24 hours');
  expect(await dialog.getByRole('checkbox', { name: 'Revoke the previous secret at once' }).isChecked()).toBe(false);
  await dialog.getByRole('button', { name: 'Rotate secret' }).click();
  await expect.poll(() => dialog.isVisible(), WAIT).toBe(false);
  const box = panel().locator('webhook-secret');
  await expect.poll(() => box.locator('[part="secret"]').textContent(), WAIT).toMatch(/^whsec_/);
  const rotated = (await box.locator('[part="secret"]').textContent()) ?? '';
  expect(rotated).not.toBe(signingSecret);
  expect(await box.getByRole('region').textContent()).toContain('The previous secret also signs until');

  const failedEventId = receiver.received[1]!.body.id;
  await failed.getByRole('button', { name: /^Resend/ }).click();
  await expect.poll(() => endpoint().locator('webhook-deliveries [part="status"]').textContent(), WAIT).toBe('Resending chat.deleted (seq 2) now.');
  const received = await receiver.waitFor((all) => all.length >= 5);
  const resent = received[4]!;
  expect(resent.body.id).toBe(failedEventId);
  expect(signatureValid(resent, rotated)).toBe(true);
  expect(signatureValid(resent, signingSecret)).toBe(true);
  const delivered = await newestRowIn('delivered');
  expect(await cell(delivered, 'last-status')).toBe('200');
  expect((await delivered.locator('td').nth(4).textContent())?.trim()).toBe('1');

  // A page at a time, with the API's nextCursor.
  await endpoint().locator('webhook-deliveries').evaluate((list) => { (list as HTMLElement & { pageSize: number }).pageSize = 1; });
  await expect.poll(() => rows().count(), WAIT).toBe(1);
  await endpoint().getByRole('button', { name: 'Older deliveries' }).click();
  await expect.poll(() => rows().count(), WAIT).toBe(2);
  expect(await rows().nth(1).locator('td').first().textContent()).toContain('chat.created');
  expect(await endpoint().getByRole('button', { name: 'Older deliveries' }).count()).toBe(0);
});

test('remove asks first: Cancel keeps the endpoint, Remove removes it', async () => {
  await endpoint().getByRole('button', { name: 'Remove' }).click();
  const dialog = panel().getByRole('dialog');
  await expect.poll(() => dialog.isVisible(), WAIT).toBe(true);
  expect(await dialog.textContent()).toContain('stops receiving events');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(() => dialog.isVisible(), WAIT).toBe(false);
  expect(JSON.parse(await restWebhooks()).webhooks).toHaveLength(1);

  await endpoint().getByRole('button', { name: 'Remove' }).click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await expect.poll(() => panel().locator('[part="status"]').textContent(), WAIT).toBe('Removed.');
  await expect.poll(() => panel().locator('[part="endpoints"] > li').count(), WAIT).toBe(0);
  expect(JSON.parse(await restWebhooks()).webhooks).toEqual([]);
});
