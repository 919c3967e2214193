/**
 * Nothing acknowledged is lost to a crash (docs/webhooks.md#delivery): a node SIGKILLed after storing writes and
 * before delivering them delivers every one of them once it is started again, from the outbox its writes were
 * stored with. The receiver hangs at first, so the node dies with attempts under way and most deliveries unsent.
 */
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { SqliteStore } from '../../server/store/sqlite.js';
import { SecretBox } from '../../server/auth/secret-box.js';
import { newSecret } from '../../server/auth/tenant-secrets.js';
import { makeTempDir, removeDir } from '../helpers/server.js';
import { startNodeProcess } from '../helpers/node-process.js';
import { rest } from '../helpers/rest.js';
import { signatureValid, startWebhookReceiver } from '../helpers/webhook-receiver.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const SECRETS_KEY = 'webhook-crash-test-secrets-key-0123456789';

test('SIGKILL between storing writes and delivering them: every event is delivered after a restart', async () => {
  const dataDir = makeTempDir();
  dirs.push(dataDir);
  const databaseUrl = `sqlite:${join(dataDir, 'crash.db')}`;
  // The tenant and its endpoint, made in the database before the node starts, as the CLI would.
  const store = new SqliteStore({ path: join(dataDir, 'crash.db'), eventLogKeep: 1000 });
  await store.init();
  const box = new SecretBox(SECRETS_KEY);
  const { secret, secretHash, ssoKey } = newSecret(box);
  await store.createTenant({ id: 'crash', name: 'Crash', origins: [], secretHash, ssoKey });
  let answering = false;
  const hook = await startWebhookReceiver(() => (answering ? 200 : 'hang'));
  await store.createWebhookEndpoint({
    id: 'wh_crash', tenantId: 'crash', url: hook.url, description: '', events: ['*'], enabled: true, disabledReason: null,
    createdAt: Date.now(), secrets: { current: box.seal('whsec_crash'), previous: null, previousUntil: 0 },
  }, 10);
  await store.close();

  const env = {
    DATABASE_URL: databaseUrl, SECRETS_KEY, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_MS: '3000',
    WEBHOOK_POLL_MS: '50', REST_WRITES_PER_MINUTE: '10000', TENANT_WRITES_PER_MINUTE: '10000',
  };
  let node = await startNodeProcess(env);
  const written: { urlId: string; seq: number }[] = [];
  for (let i = 0; i < 30; i += 1) {
    const urlId = `img-${i % 3}`;
    const answer = await rest(node.url, secret, 'POST', '/api/v1/tenants/crash/writes', { urlId, type: 'create-chat', x: 0.1, y: 0.1, text: `w${i}` });
    expect(answer.status).toBe(200);
    written.push({ urlId, seq: answer.body.seq as number });
  }
  // The first attempts are under way (hanging) when the node dies.
  await hook.waitFor((all) => all.length >= 1);
  await node.stop('SIGKILL');
  const beforeRestart = hook.received.length;
  expect(beforeRestart).toBeLessThan(30);

  answering = true;
  // The killed node's leases run out (3 s) before the restarted node may send what it was sending; the rest goes at once.
  node = await startNodeProcess(env);
  const received = await hook.waitFor((all) => new Set(all.slice(beforeRestart).map((d) => d.body.id)).size >= 30, 60_000);
  await node.stop();
  await hook.close();
  const delivered = received.slice(beforeRestart);
  expect(delivered.map((d) => `${d.body.urlId}#${d.body.seq}`).sort()).toEqual(written.map((w) => `${w.urlId}#${w.seq}`).sort());
  for (const delivery of delivered) expect(signatureValid(delivery, 'whsec_crash')).toBe(true);
  // Each image's events in seq order.
  for (const urlId of ['img-0', 'img-1', 'img-2']) {
    const seqs = delivered.filter((d) => d.body.urlId === urlId).map((d) => d.body.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  }
  // The ones being sent at the kill arrived twice, with the same event id: at least once, deduplicated by id.
  for (const first of received.slice(0, beforeRestart)) expect(delivered.some((d) => d.body.id === first.body.id)).toBe(true);
}, 90_000);
