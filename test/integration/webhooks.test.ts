/**
 * Webhooks on a real node against a real local HTTP receiver (docs/webhooks.md): every event type arrives,
 * signed so that an independent HMAC check passes; retries on 5xx, timeouts and 408/429 and none on other
 * answers; an endpoint whose deliveries keep failing is turned off; per-image order holds through retries;
 * secret rotation; and the REST API's refusals.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WEBHOOK_EVENT_TYPES, type WebhookBody } from '../../shared/index.js';
import { removeDir, startTestServer, type TestServer } from '../helpers/server.js';
import { createTestTenant } from '../helpers/tenants.js';
import { rest } from '../helpers/rest.js';
import { TestClient } from '../helpers/ws-client.js';
import { signatureValid, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let server: TestServer;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  // Local receivers are private addresses: allowed here, as an operator would for a test set-up.
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_RETRY_DELAYS_MS: '100,100', WEBHOOK_POLL_MS: '50', WEBHOOK_TIMEOUT_MS: '500', WEBHOOK_LEASE_MS: '2000' });
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await server.close();
  removeDir(server.dataDir);
});

async function receiver(respond?: Parameters<typeof startWebhookReceiver>[0]): Promise<WebhookReceiver> {
  const made = await startWebhookReceiver(respond);
  receivers.push(made);
  return made;
}

/** A tenant of its own with one endpoint: its id and signing secret. */
async function tenantWithEndpoint(url: string, events: string[] = ['*']) {
  const tenant = await createTestTenant(server);
  const made = await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/webhooks`, { url, events, description: 'test' });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const webhook = made.body.webhook as { id: string };
  return { ...tenant, webhookId: webhook.id, signingSecret: made.body.secret as string };
}

const writeAs = (tenant: { tenantId: string; secret: string }, body: Record<string, unknown>) =>
  rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/writes`, body);

async function deliveriesOf(tenant: { tenantId: string; secret: string; webhookId: string }) {
  const answer = await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/webhooks/${tenant.webhookId}/deliveries`);
  expect(answer.status).toBe(200);
  return answer.body.deliveries as { id: string; type: string; state: string; attempts: number; lastStatus: number | null; lastError: string | null; nextAttemptAt: number | null }[];
}

describe('delivery', () => {
  test('every event type arrives once, in seq order, signed, with the event\'s id, type, image, seq, author, time and data', async () => {
    const hook = await receiver();
    const tenant = await tenantWithEndpoint(hook.url);
    const urlId = `https://example.com/${randomUUID()}.png`;
    // A widget's write over the socket, as a guest who named themselves.
    const client = await TestClient.connect(server.wsUrl);
    client.send({ type: 'hello', tenantId: tenant.tenantId, name: 'Gus' });
    await client.subscribe(tenant.tenantId, urlId);
    const chatId = randomUUID();
    await client.write({ type: 'create-chat', tenantId: tenant.tenantId, urlId, chatId, x: 0.25, y: 0.75, text: 'from the widget' });
    client.close();
    // The rest from the site's backend, as its moderator.
    const commentId = randomUUID();
    for (const body of [
      { type: 'add-comment', chatId, commentId, text: 'reply' },
      { type: 'edit-comment', chatId, commentId, text: 'reply, edited' },
      { type: 'delete-comment', chatId, commentId },
      { type: 'move-chat', chatId, x: 0.5, y: 0.5 },
      { type: 'resolve-chat', chatId, resolved: true },
      { type: 'resolve-chat', chatId, resolved: false },
      { type: 'delete-chat', chatId },
    ]) expect((await writeAs(tenant, { urlId, ...body })).status).toBe(200);

    const received = await hook.waitFor((all) => all.length >= 8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.received).toHaveLength(8);
    expect(received.map((d) => d.body.type)).toEqual(['chat.created', 'comment.created', 'comment.edited', 'comment.deleted', 'chat.moved', 'chat.resolved', 'chat.reopened', 'chat.deleted']);
    expect(new Set(received.map((d) => d.body.type))).toEqual(new Set(WEBHOOK_EVENT_TYPES));
    expect(received.map((d) => d.body.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const delivery of received) {
      expect(signatureValid(delivery, tenant.signingSecret)).toBe(true);
      expect(signatureValid(delivery, 'whsec_not-the-secret')).toBe(false);
      expect(Math.abs(Number(delivery.headers['x-imagechat-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
      expect(delivery.headers['x-imagechat-event']).toBe(delivery.body.type);
      expect(delivery.headers['x-imagechat-event-id']).toBe(delivery.body.id);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.body).toMatchObject({ tenantId: tenant.tenantId, urlId, chatId });
      expect(Date.parse(delivery.body.time)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(new Set(received.map((d) => d.body.id)).size).toBe(8);
    const [created, added, edited, deleted, moved, resolved, reopened] = received.map((d) => d.body) as WebhookBody[];
    expect(created).toMatchObject({ author: { name: 'Gus' }, data: { chat: { id: chatId, x: 0.25, y: 0.75, comments: [{ text: 'from the widget' }] } } });
    expect(added).toMatchObject({ author: { id: 'api:admin' }, data: { comment: { id: commentId, text: 'reply' } } });
    expect(edited!.data).toMatchObject({ comment: { id: commentId, text: 'reply, edited' } });
    expect(deleted!.data).toEqual({ commentId });
    expect(moved!.data).toEqual({ x: 0.5, y: 0.5 });
    expect(resolved!.data).toEqual({ resolved: true });
    expect(reopened!.data).toEqual({ resolved: false });
    expect((await deliveriesOf(tenant)).map((d) => d.state)).toEqual(Array(8).fill('delivered'));
  });

  test('an endpoint gets only the types it asked for', async () => {
    const hook = await receiver();
    const tenant = await tenantWithEndpoint(hook.url, ['chat.deleted']);
    const urlId = `img-${randomUUID()}`;
    const made = await writeAs(tenant, { urlId, type: 'create-chat', x: 0.1, y: 0.1, text: 'short-lived' });
    await writeAs(tenant, { urlId, type: 'delete-chat', chatId: made.body.chatId });
    await hook.waitFor((all) => all.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.received.map((d) => d.body.type)).toEqual(['chat.deleted']);
  });

  test('a receiver answering 500 twice, then 200, gets the delivery on the third try, the same event each time', async () => {
    const hook = await receiver((_delivery, index) => (index < 2 ? 500 : 200));
    const tenant = await tenantWithEndpoint(hook.url);
    await writeAs(tenant, { urlId: `img-${randomUUID()}`, type: 'create-chat', x: 0.1, y: 0.1, text: 'third time lucky' });
    const received = await hook.waitFor((all) => all.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(hook.received).toHaveLength(3);
    expect(new Set(received.map((d) => d.raw)).size).toBe(1);
    // Spaced by the retry delays (100 ms ± 20%), not sent at once.
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(75);
    expect(await deliveriesOf(tenant)).toMatchObject([{ state: 'delivered', attempts: 3, lastStatus: 200, lastError: null }]);
  });

  test('408, 429 and timeouts are retried; 400 and redirects are not (a redirect is never followed)', async () => {
    let redirectsFollowed = 0;
    const target = await receiver(() => { redirectsFollowed += 1; return 200; });
    const answers: Record<string, (number | 'hang')[]> = { 'retry-408': [408, 200], 'retry-429': [429, 200], 'retry-timeout': ['hang', 200], refused: [400], redirected: [302] };
    const seen = new Map<string, number>();
    const hook = await receiver((delivery) => {
      const text = (delivery.body.data as { chat: { comments: { text: string }[] } }).chat.comments[0]!.text;
      const count = seen.get(text) ?? 0;
      seen.set(text, count + 1);
      return answers[text]![Math.min(count, answers[text]!.length - 1)]!;
    });
    const tenant = await tenantWithEndpoint(hook.url);
    for (const text of Object.keys(answers)) await writeAs(tenant, { urlId: `img-${text}`, type: 'create-chat', x: 0.1, y: 0.1, text });
    await hook.waitFor(() => ['retry-408', 'retry-429', 'retry-timeout'].every((text) => seen.get(text) === 2), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(Object.fromEntries(seen)).toEqual({ 'retry-408': 2, 'retry-429': 2, 'retry-timeout': 2, refused: 1, redirected: 1 });
    expect(redirectsFollowed).toBe(0);
    const byState = (await deliveriesOf(tenant)).map((d) => [d.state, d.lastStatus]);
    expect(byState.filter(([state]) => state === 'failed').sort()).toEqual([['failed', 302], ['failed', 400]]);
    expect(target.received).toHaveLength(0);
  });

  test('deliveries that keep failing turn the endpoint off, with the reason; turned on again, its pending deliveries go', async () => {
    let healthy = false;
    const hook = await receiver(() => (healthy ? 200 : 503));
    const tenant = await tenantWithEndpoint(hook.url);
    const urlId = `img-${randomUUID()}`;
    const made = await writeAs(tenant, { urlId, type: 'create-chat', x: 0.1, y: 0.1, text: 'doomed' });
    await writeAs(tenant, { urlId, type: 'add-comment', chatId: made.body.chatId, text: 'waits behind it' });
    // One try and two retries (WEBHOOK_RETRY_DELAYS_MS=100,100), then it gives up.
    await hook.waitFor((all) => all.length >= 3);
    let webhook: { enabled: boolean; disabledReason: string | null } | undefined;
    for (let i = 0; i < 100 && webhook?.enabled !== false; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      webhook = (await rest(server.url, tenant.secret, 'GET', `/api/v1/tenants/${tenant.tenantId}/webhooks/${tenant.webhookId}`)).body.webhook as typeof webhook;
    }
    expect(webhook).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('3 failed attempts') });
    expect(webhook!.disabledReason).toContain('HTTP 503');
    expect(hook.received.map((d) => d.body.type)).toEqual(['chat.created', 'chat.created', 'chat.created']);
    expect((await deliveriesOf(tenant)).map((d) => d.state)).toEqual(['pending', 'failed']);

    healthy = true;
    const enabled = await rest(server.url, tenant.secret, 'PATCH', `/api/v1/tenants/${tenant.tenantId}/webhooks/${tenant.webhookId}`, { enabled: true });
    expect(enabled.body.webhook).toMatchObject({ enabled: true, disabledReason: null });
    await hook.waitFor((all) => all.some((d) => d.body.type === 'comment.created'));
    // The failed one is resent on request, attempts from zero.
    const failed = (await deliveriesOf(tenant)).find((d) => d.state === 'failed')!;
    const resent = await rest(server.url, tenant.secret, 'POST', `/api/v1/tenants/${tenant.tenantId}/webhooks/${tenant.webhookId}/deliveries/${failed.id}/resend`);
    expect(resent.status).toBe(202);
    await hook.waitFor((all) => all.length >= 5);
    expect(hook.received.at(-1)!.body.id).toBe(hook.received[0]!.body.id);
    await hook.waitFor(() => true);
    for (let i = 0; i < 50 && (await deliveriesOf(tenant)).some((d) => d.state !== 'delivered'); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await deliveriesOf(tenant)).toMatchObject([{ state: 'delivered' }, { state: 'delivered', attempts: 1 }]);
  });

  test('one image\'s events reach an endpoint in seq order even when some attempts fail', async () => {
    const failedOnce = new Set<string>();
    const accepted: number[] = [];
    const hook = await receiver((delivery) => {
      // Every third event fails its first attempt: the ones after it must wait, not overtake.
      if (delivery.body.seq % 3 === 0 && !failedOnce.has(delivery.body.id)) {
        failedOnce.add(delivery.body.id);
        return 500;
      }
      accepted.push(delivery.body.seq);
      return 200;
    });
    const tenant = await tenantWithEndpoint(hook.url);
    const urlId = `img-${randomUUID()}`;
    const made = await writeAs(tenant, { urlId, type: 'create-chat', x: 0.1, y: 0.1, text: 'c0' });
    await Promise.all(Array.from({ length: 14 }, (_v, i) => writeAs(tenant, { urlId, type: 'add-comment', chatId: made.body.chatId, text: `c${i + 1}` })));
    await hook.waitFor(() => accepted.length >= 15, 15_000);
    expect(accepted).toEqual(Array.from({ length: 15 }, (_v, i) => i + 1));
    expect(failedOnce.size).toBe(5);
  });
});

describe('fairness between tenants', () => {
  test('a tenant whose receivers never answer holds at most 4 of a node\'s attempts; another tenant\'s delivery goes meanwhile', async () => {
    let mostHanging = 0;
    const tarpit: Awaited<ReturnType<typeof receiver>> = await receiver(() => {
      // This request and those still held open by the node.
      mostHanging = Math.max(mostHanging, tarpit.hangingNow() + 1);
      return 'hang';
    });
    const staller = await createTestTenant(server);
    for (let i = 0; i < 6; i += 1) {
      expect((await rest(server.url, staller.secret, 'POST', `/api/v1/tenants/${staller.tenantId}/webhooks`, { url: `${tarpit.url}/${i}` })).status).toBe(201);
    }
    // 6 endpoints × 3 images: 18 deliveries due at once, each held until the node's 500 ms timeout.
    for (let i = 0; i < 3; i += 1) await writeAs(staller, { urlId: `img-${i}`, type: 'create-chat', x: 0.1, y: 0.1, text: 'stall' });
    await tarpit.waitFor((all) => all.length >= 4);
    const quick = await receiver();
    const victim = await tenantWithEndpoint(quick.url);
    const sentAt = Date.now();
    await writeAs(victim, { urlId: 'img', type: 'create-chat', x: 0.1, y: 0.1, text: 'on time' });
    const [delivered] = await quick.waitFor((all) => all.length >= 1);
    // Sent while the staller's attempts were still hanging, not after them.
    expect(delivered!.at - sentAt).toBeLessThan(400);
    await tarpit.waitFor((all) => all.length >= 12, 15_000);
    expect(mostHanging).toBeLessThanOrEqual(4);
  });
});

describe('signing secrets', () => {
  test('after a rotation deliveries carry both signatures for the grace period; revoking leaves only the new one', async () => {
    const hook = await receiver();
    const tenant = await tenantWithEndpoint(hook.url);
    const path = `/api/v1/tenants/${tenant.tenantId}/webhooks/${tenant.webhookId}/rotate-secret`;
    const rotated = await rest(server.url, tenant.secret, 'POST', path);
    expect(rotated.status).toBe(200);
    expect(rotated.body.previousValidUntil).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    await writeAs(tenant, { urlId: 'img-a', type: 'create-chat', x: 0.1, y: 0.1, text: 'both' });
    const [both] = await hook.waitFor((all) => all.length >= 1);
    expect(String(both!.headers['x-imagechat-signature']).split(',')).toHaveLength(2);
    expect(signatureValid(both!, newSecret)).toBe(true);
    expect(signatureValid(both!, tenant.signingSecret)).toBe(true);

    // A mistyped field is refused, not taken as "keep the old secret" (the hostile review's finding).
    for (const body of [{ revokePrevius: true }, [], { revokePrevious: 'yes' }]) {
      const refused = await rest(server.url, tenant.secret, 'POST', path, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    const revoked = await rest(server.url, tenant.secret, 'POST', path, { revokePrevious: true });
    expect(revoked.body.previousValidUntil).toBeNull();
    await writeAs(tenant, { urlId: 'img-b', type: 'create-chat', x: 0.1, y: 0.1, text: 'one' });
    const received = await hook.waitFor((all) => all.length >= 2);
    const last = received[1]!;
    expect(String(last.headers['x-imagechat-signature'])).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signatureValid(last, revoked.body.secret as string)).toBe(true);
    expect(signatureValid(last, newSecret)).toBe(false);
  });
});

describe('managing endpoints over REST', () => {
  test('list, change, remove; refusals with their codes; another tenant\'s secret is forbidden', async () => {
    const tenant = await createTestTenant(server);
    const stranger = await createTestTenant(server);
    const base = `/api/v1/tenants/${tenant.tenantId}/webhooks`;
    expect((await rest(server.url, undefined, 'GET', base)).status).toBe(401);
    expect((await rest(server.url, 'ics_wrong', 'GET', base)).status).toBe(401);
    expect((await rest(server.url, stranger.secret, 'GET', base)).status).toBe(403);
    for (const [body, fragment] of [
      [{}, '"url"'], [{ url: 'ftp://example.com/x' }, 'http'], [{ url: 'not a url' }, 'valid'], [{ url: 'https://user:pw@example.com/' }, 'password'],
      [{ url: 'https://example.com/', events: ['chat.exploded'] }, '"events"'], [{ url: 'https://example.com/', events: [] }, '"events"'],
      [{ url: 'https://example.com/', colour: 'red' }, 'unknown field'], [{ url: `https://example.com/${'x'.repeat(2000)}` }, '2000'],
    ] as const) {
      const answer = await rest(server.url, tenant.secret, 'POST', base, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatchObject({ code: 'invalid-field', message: expect.stringContaining(fragment) });
    }
    expect((await rest(server.url, tenant.secret, 'POST', base, 'not json')).body.error?.code).toBe('bad-request');
    const made = await rest(server.url, tenant.secret, 'POST', base, { url: 'https://example.com/hook', events: ['comment.created', 'comment.created'] });
    expect(made.status).toBe(201);
    const webhook = made.body.webhook as { id: string };
    expect(made.body.webhook).toMatchObject({ url: 'https://example.com/hook', events: ['comment.created'], enabled: true, disabledReason: null });
    // The secret is shown once: never listed, never read back.
    const listed = await rest(server.url, tenant.secret, 'GET', base);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.secret as string);
    expect(listed.body.webhooks).toEqual([made.body.webhook]);
    expect((await rest(server.url, stranger.secret, 'PATCH', `${base}/${webhook.id}`, { enabled: false })).status).toBe(403);
    expect((await rest(server.url, stranger.secret, 'GET', `/api/v1/tenants/${stranger.tenantId}/webhooks/${webhook.id}`)).status).toBe(404);
    const paused = await rest(server.url, tenant.secret, 'PATCH', `${base}/${webhook.id}`, { enabled: false, events: ['*'] });
    expect(paused.body.webhook).toMatchObject({ enabled: false, events: ['*'], disabledReason: 'turned off by the tenant' });
    expect((await rest(server.url, tenant.secret, 'DELETE', `${base}/${webhook.id}`)).status).toBe(204);
    expect((await rest(server.url, tenant.secret, 'DELETE', `${base}/${webhook.id}`)).status).toBe(404);
    expect((await rest(server.url, tenant.secret, 'POST', `${base}/${webhook.id}/deliveries/1/resend`)).status).toBe(404);
  });

  test('a tenant may register at most 10 endpoints', async () => {
    const tenant = await createTestTenant(server);
    const base = `/api/v1/tenants/${tenant.tenantId}/webhooks`;
    for (let i = 0; i < 10; i += 1) expect((await rest(server.url, tenant.secret, 'POST', base, { url: `https://example.com/${i}` })).status).toBe(201);
    const eleventh = await rest(server.url, tenant.secret, 'POST', base, { url: 'https://example.com/11' });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error?.code).toBe('limit-reached');
  });
});
