/**
 * The webhooks' part of the store contract (docs/webhooks.md): the outbox rows a write records in its own
 * transaction, leases that give each delivery to one node at a time, per-image order per endpoint, and the
 * endpoint bookkeeping. Registered by `storeContract` for every backend.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { webhookBody, type WebhookEventType } from '../../shared/index.js';
import type { Store } from '../../server/store/types.js';
import type { DeliveryResult, WebhookEndpoint } from '../../server/store/webhook-types.js';
import { ann, imageKey, open, sequenced, writeMessage, type StoreBackend } from './store-helpers.js';

const endpointOf = (fields: Partial<WebhookEndpoint> = {}): WebhookEndpoint => ({
  id: `wh_${randomUUID().replaceAll('-', '')}`, tenantId: 'demo', url: 'https://example.com/hook', description: '', events: ['*'],
  enabled: true, disabledReason: null, createdAt: Date.now(), secrets: { current: 'sealed-1', previous: null, previousUntil: 0 }, ...fields,
});

const claimAll = (store: Store, nodeId = 'node-a', now = Date.now(), leaseMs = 60_000) => store.claimWebhookDeliveries({ nodeId, now, leaseMs, limit: 100, perTenant: 1000, inFlight: {} });

const finished = (id: string, fields: Partial<DeliveryResult> = {}): DeliveryResult => ({
  id, nodeId: 'node-a', now: Date.now(), state: 'delivered', status: 200, error: null, nextAttemptAt: Date.now(), disableEndpoint: null, ...fields,
});

export function webhooksContract(backend: StoreBackend): void {
  describe('webhooks', () => {
    test('a write records one pending delivery per endpoint that takes its type, with the body built from the event and who acted', async () => {
      const store = await open(await backend.fresh());
      const all = endpointOf();
      const commentsOnly = endpointOf({ events: ['comment.created'] });
      const off = endpointOf({ enabled: false, disabledReason: 'by the tenant' });
      for (const endpoint of [all, commentsOnly, off]) expect(await store.createWebhookEndpoint(endpoint, 10)).toBe(true);
      await store.createTenant({ id: 'other', name: 'Other', origins: [], secretHash: 'h2' });
      expect(await store.createWebhookEndpoint(endpointOf({ tenantId: 'other' }), 10)).toBe(true);
      const key = imageKey();
      const created = sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.3, y: 0.4, text: 'first' }));
      const moderator = { ...ann, id: 'sso:mod', name: 'Mo', moderator: true };
      const reply = sequenced(await writeMessage(store, key, { type: 'add-comment', chatId: created.chatId, text: 'reply' }, { actor: moderator }));

      const claimed = await claimAll(store);
      // The oldest of each endpoint's queue for the image: the all-types endpoint's create, the comments endpoint's reply.
      expect(claimed.map((d) => [d.endpointId, d.type, d.seq]).sort()).toEqual([[all.id, 'chat.created', 1], [commentsOnly.id, 'comment.created', 2]].sort());
      const ofReply = claimed.find((d) => d.endpointId === commentsOnly.id)!;
      const body = JSON.parse(ofReply.payload) as ReturnType<typeof webhookBody>;
      expect(body).toEqual(webhookBody(reply, moderator, ofReply.eventId, Date.parse(body.time)));
      expect(body).toMatchObject({ type: 'comment.created', tenantId: 'demo', urlId: key.urlId, seq: 2, author: { id: 'sso:mod', name: 'Mo' }, data: { comment: { text: 'reply' } } });
      expect(ofReply).toMatchObject({ url: 'https://example.com/hook', secrets: { current: 'sealed-1' }, attempts: 0, state: 'pending' });
      // The other tenant's endpoint heard nothing of demo's image.
      expect((await store.listWebhookDeliveries('other', (await store.listWebhookEndpoints('other'))[0]!.id, null, 10)).deliveries).toEqual([]);
      expect((await store.listWebhookDeliveries('demo', off.id, null, 10)).deliveries).toEqual([]);
    });

    test('a write says whether it may have queued deliveries: never without an enabled endpoint, so the dispatcher is not woken for nothing', async () => {
      const store = await open(await backend.fresh());
      const key = imageKey();
      const none = await writeMessage(store, key, { type: 'create-chat', x: 0.1, y: 0.1, text: 'no endpoint yet' });
      expect(none).toMatchObject({ ok: true, webhooks: false });
      expect(await store.createWebhookEndpoint(endpointOf({ enabled: false, disabledReason: 'by the tenant' }), 10)).toBe(true);
      expect(await writeMessage(store, key, { type: 'create-chat', x: 0.2, y: 0.2, text: 'endpoint off' })).toMatchObject({ ok: true, webhooks: false });
      expect(await store.createWebhookEndpoint(endpointOf(), 10)).toBe(true);
      expect(await writeMessage(store, key, { type: 'create-chat', x: 0.3, y: 0.3, text: 'queued' })).toMatchObject({ ok: true, webhooks: true });
      expect((await claimAll(store)).map((d) => d.seq)).toEqual([3]);
    });

    test('both events of one write to two endpoints carry the same event id', async () => {
      const store = await open(await backend.fresh());
      const [a, b] = [endpointOf(), endpointOf()];
      await store.createWebhookEndpoint(a, 10);
      await store.createWebhookEndpoint(b, 10);
      sequenced(await writeMessage(store, imageKey(), { type: 'create-chat', x: 0.3, y: 0.4, text: 'x' }));
      const claimed = await claimAll(store);
      expect(claimed).toHaveLength(2);
      expect(claimed[0]!.eventId).toBe(claimed[1]!.eventId);
      expect(claimed[0]!.payload).toBe(claimed[1]!.payload);
    });

    test('a refused write records no delivery', async () => {
      const store = await open(await backend.fresh());
      await store.createWebhookEndpoint(endpointOf(), 10);
      const refused = await writeMessage(store, imageKey(), { type: 'add-comment', chatId: randomUUID(), text: 'to nothing' });
      expect(refused.ok).toBe(false);
      expect(await claimAll(store)).toEqual([]);
    });

    test('a leased delivery is no other node\'s until its lease runs out; one image\'s events go one at a time, in seq order', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const other = await database.open();
      const endpoint = endpointOf();
      await store.createWebhookEndpoint(endpoint, 10);
      const key = imageKey();
      const created = sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.3, y: 0.4, text: 'a' }));
      for (const text of ['b', 'c']) sequenced(await writeMessage(store, key, { type: 'add-comment', chatId: created.chatId, text }));
      const elsewhere = imageKey();
      sequenced(await writeMessage(store, elsewhere, { type: 'create-chat', x: 0.3, y: 0.4, text: 'z' }));

      const now = Date.now();
      const first = await store.claimWebhookDeliveries({ nodeId: 'node-a', now, leaseMs: 1000, limit: 100, perTenant: 1000, inFlight: {} });
      expect(first.map((d) => [d.urlId, d.seq]).sort()).toEqual([[key.urlId, 1], [elsewhere.urlId, 1]].sort());
      // Node b finds nothing: both heads are leased, and seq 2 waits behind seq 1.
      expect(await other.claimWebhookDeliveries({ nodeId: 'node-b', now, leaseMs: 1000, limit: 100, perTenant: 1000, inFlight: {} })).toEqual([]);
      // Node a's lease ran out (it died): node b takes the same deliveries, and node a's late report changes nothing.
      const taken = await other.claimWebhookDeliveries({ nodeId: 'node-b', now: now + 1001, leaseMs: 60_000, limit: 100, perTenant: 1000, inFlight: {} });
      expect(taken.map((d) => d.id).sort()).toEqual(first.map((d) => d.id).sort());
      const head = taken.find((d) => d.urlId === key.urlId)!;
      await store.finishWebhookDelivery(finished(head.id, { nodeId: 'node-a', now: now + 1002 }));
      expect(await other.claimWebhookDeliveries({ nodeId: 'node-b', now: now + 1003, leaseMs: 60_000, limit: 100, perTenant: 1000, inFlight: {} })).toEqual([]);
      await other.finishWebhookDelivery(finished(head.id, { nodeId: 'node-b', now: now + 1004 }));
      const next = await other.claimWebhookDeliveries({ nodeId: 'node-b', now: now + 1005, leaseMs: 60_000, limit: 100, perTenant: 1000, inFlight: {} });
      expect(next.map((d) => [d.urlId, d.seq])).toEqual([[key.urlId, 2]]);
      // A retry later holds the queue: seq 3 does not overtake seq 2 while it waits.
      await other.finishWebhookDelivery(finished(next[0]!.id, { nodeId: 'node-b', state: 'pending', status: 503, error: 'HTTP 503', nextAttemptAt: now + 5000 }));
      expect(await other.claimWebhookDeliveries({ nodeId: 'node-b', now: now + 2000, leaseMs: 60_000, limit: 100, perTenant: 1000, inFlight: {} })).toEqual([]);
      const retried = await other.claimWebhookDeliveries({ nodeId: 'node-b', now: now + 5000, leaseMs: 60_000, limit: 100, perTenant: 1000, inFlight: {} });
      expect(retried.map((d) => [d.seq, d.attempts])).toEqual([[2, 1]]);
      await other.close();
    });

    test('concurrent claims from many store instances lease each delivery once', async () => {
      const database = await backend.fresh();
      const store = await open(database);
      const nodes = await Promise.all([1, 2, 3].map(() => database.open()));
      await store.createWebhookEndpoint(endpointOf(), 10);
      for (let i = 0; i < 30; i += 1) sequenced(await writeMessage(store, imageKey(), { type: 'create-chat', x: 0.1, y: 0.1, text: `n${i}` }));
      const now = Date.now();
      const claims = await Promise.all(nodes.flatMap((node, n) => [0, 1, 2].map(() => node.claimWebhookDeliveries({ nodeId: `node-${n}`, now, leaseMs: 60_000, limit: 7, perTenant: 1000, inFlight: {} }))));
      const ids = claims.flat().map((d) => d.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(30);
      await Promise.all(nodes.map((node) => node.close()));
    });

    test('claims take tenants in turn and keep each within its share of a node\'s attempts', async () => {
      const store = await open(await backend.fresh());
      await store.createTenant({ id: 'quiet', name: 'Quiet', origins: [], secretHash: 'h-quiet' });
      await store.createWebhookEndpoint(endpointOf(), 10);
      await store.createWebhookEndpoint(endpointOf({ tenantId: 'quiet' }), 10);
      // The busy tenant's ten deliveries were due first; the quiet tenant's one came last.
      for (let i = 0; i < 10; i += 1) sequenced(await writeMessage(store, imageKey(), { type: 'create-chat', x: 0.1, y: 0.1, text: `busy ${i}` }));
      sequenced(await writeMessage(store, { tenantId: 'quiet', urlId: 'img' }, { type: 'create-chat', x: 0.1, y: 0.1, text: 'quiet' }));
      const now = Date.now();
      const first = await store.claimWebhookDeliveries({ nodeId: 'n', now, leaseMs: 60_000, limit: 4, perTenant: 2, inFlight: {} });
      expect(first.map((d) => d.tenantId).sort()).toEqual(['demo', 'demo', 'quiet']);
      // With its share in flight already, the busy tenant gets nothing more on this node.
      expect(await store.claimWebhookDeliveries({ nodeId: 'n', now, leaseMs: 60_000, limit: 4, perTenant: 2, inFlight: { demo: 2 } })).toEqual([]);
      expect((await store.claimWebhookDeliveries({ nodeId: 'n', now, leaseMs: 60_000, limit: 4, perTenant: 3, inFlight: { demo: 2 } })).map((d) => d.tenantId)).toEqual(['demo']);
    });

    test('a delivery that gives up turns its endpoint off with the reason; turning it on again resumes the rest', async () => {
      const store = await open(await backend.fresh());
      const endpoint = endpointOf();
      await store.createWebhookEndpoint(endpoint, 10);
      const key = imageKey();
      const created = sequenced(await writeMessage(store, key, { type: 'create-chat', x: 0.3, y: 0.4, text: 'a' }));
      sequenced(await writeMessage(store, key, { type: 'add-comment', chatId: created.chatId, text: 'b' }));
      const [head] = await claimAll(store);
      await store.finishWebhookDelivery(finished(head!.id, { state: 'failed', status: 500, error: 'HTTP 500', disableEndpoint: 'kept failing' }));
      expect(await store.getWebhookEndpoint('demo', endpoint.id)).toMatchObject({ enabled: false, disabledReason: 'kept failing' });
      expect(await claimAll(store)).toEqual([]);
      expect(await store.updateWebhookEndpoint('demo', endpoint.id, { enabled: true })).toBe(true);
      expect(await store.getWebhookEndpoint('demo', endpoint.id)).toMatchObject({ enabled: true, disabledReason: null });
      expect((await claimAll(store)).map((d) => d.type)).toEqual(['comment.created']);
      const { deliveries } = await store.listWebhookDeliveries('demo', endpoint.id, null, 10);
      expect(deliveries.map((d) => [d.type, d.state, d.attempts, d.lastStatus])).toEqual([['comment.created', 'pending', 0, null], ['chat.created', 'failed', 1, 500]]);
    });

    test('resend makes a finished delivery due now with attempts from zero; pages, pruning and removal', async () => {
      const store = await open(await backend.fresh());
      const endpoint = endpointOf();
      await store.createWebhookEndpoint(endpoint, 10);
      for (let i = 0; i < 5; i += 1) sequenced(await writeMessage(store, imageKey(), { type: 'create-chat', x: 0.1, y: 0.1, text: `n${i}` }));
      const now = Date.now();
      for (const delivery of await claimAll(store)) await store.finishWebhookDelivery(finished(delivery.id, { now }));
      const first = await store.listWebhookDeliveries('demo', endpoint.id, null, 3);
      expect(first.deliveries.map((d) => d.state)).toEqual(['delivered', 'delivered', 'delivered']);
      const rest = await store.listWebhookDeliveries('demo', endpoint.id, first.next, 3);
      expect(rest.next).toBeNull();
      const ids = [...first.deliveries, ...rest.deliveries].map((d) => Number(d.id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(ids).toHaveLength(5);

      const again = first.deliveries[0]!;
      expect(await store.resendWebhookDelivery('other', endpoint.id, again.id, now)).toBe(false);
      expect(await store.resendWebhookDelivery('demo', endpoint.id, again.id, now)).toBe(true);
      const claimed = await claimAll(store);
      expect(claimed.map((d) => [d.id, d.attempts])).toEqual([[again.id, 0]]);
      // Being sent: not resent under the sender.
      expect(await store.resendWebhookDelivery('demo', endpoint.id, again.id, now)).toBe(false);

      expect(await store.pruneWebhookDeliveries(now + 1)).toBe(4);
      expect((await store.listWebhookDeliveries('demo', endpoint.id, null, 10)).deliveries.map((d) => d.id)).toEqual([again.id]);
      expect(await store.deleteWebhookEndpoint('demo', endpoint.id)).toBe(true);
      expect(await store.deleteWebhookEndpoint('demo', endpoint.id)).toBe(false);
      expect(await claimAll(store, 'node-a', now + 120_000)).toEqual([]);
    });

    test('endpoints: at most the cap per tenant, only an existing tenant\'s, changed field by field, listed without mixing tenants', async () => {
      const store = await open(await backend.fresh());
      expect(await store.createWebhookEndpoint(endpointOf({ tenantId: 'nobody' }), 10)).toBe(false);
      const made = [endpointOf(), endpointOf()];
      for (const endpoint of made) expect(await store.createWebhookEndpoint(endpoint, 2)).toBe(true);
      expect(await store.createWebhookEndpoint(endpointOf(), 2)).toBe(false);
      const events: WebhookEventType[] = ['chat.deleted', 'comment.deleted'];
      expect(await store.updateWebhookEndpoint('demo', made[0]!.id, { url: 'https://example.org/x', events, description: 'mod log' })).toBe(true);
      expect(await store.updateWebhookEndpoint('other', made[0]!.id, { url: 'https://evil.example/' })).toBe(false);
      expect(await store.getWebhookEndpoint('demo', made[0]!.id)).toMatchObject({ url: 'https://example.org/x', events, description: 'mod log', enabled: true });
      expect(await store.getWebhookEndpoint('other', made[0]!.id)).toBeNull();
      const secrets = { current: 'sealed-2', previous: 'sealed-1', previousUntil: 123 };
      expect(await store.updateWebhookEndpoint('demo', made[1]!.id, { secrets, enabled: false, disabledReason: 'paused' })).toBe(true);
      expect(await store.getWebhookEndpoint('demo', made[1]!.id)).toMatchObject({ secrets, enabled: false, disabledReason: 'paused' });
      expect((await store.listWebhookEndpoints('demo')).map((e) => e.id).sort()).toEqual(made.map((e) => e.id).sort());
      expect(await store.listWebhookEndpoints('other')).toEqual([]);
    });
  });
}
