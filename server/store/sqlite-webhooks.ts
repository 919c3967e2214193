/**
 * Webhook endpoints and the delivery outbox on SQLite (migration 7). Claims run in one IMMEDIATE transaction:
 * SQLite's one writer makes a lease exclusive across every store open on the file.
 */
import type Database from 'better-sqlite3';
import type { ClaimedDelivery, DeliveryClaim, DeliveryPage, DeliveryResult, WebhookEndpoint, WebhookEndpointChange } from './webhook-types.js';
import {
  CANDIDATES_PER_SLOT, DELIVERY_COLUMNS, DUE_IN_TURN, ENDPOINT_COLUMNS, eventsColumn, fairShare, toDelivery, toEndpoint,
  type DeliveryRow, type DueCandidate, type EndpointRow,
} from './webhook-outbox.js';

export function createWebhookEndpoint(db: Database.Database, endpoint: WebhookEndpoint, maxPerTenant: number): boolean {
  return db.transaction((): boolean => {
    if (!db.prepare('SELECT 1 FROM tenants WHERE id = ?').get(endpoint.tenantId)) return false;
    const { n } = db.prepare('SELECT count(*) AS n FROM webhook_endpoints WHERE tenant_id = ?').get(endpoint.tenantId) as { n: number };
    if (n >= maxPerTenant) return false;
    const { secrets } = endpoint;
    db.prepare(`INSERT INTO webhook_endpoints (${ENDPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      endpoint.id, endpoint.tenantId, endpoint.url, endpoint.description, eventsColumn(endpoint.events), endpoint.enabled ? 1 : 0,
      endpoint.disabledReason, endpoint.createdAt, secrets.current, secrets.previous, secrets.previousUntil);
    return true;
  }).immediate();
}

export function listWebhookEndpoints(db: Database.Database, tenantId: string): WebhookEndpoint[] {
  const rows = db.prepare(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = ? ORDER BY created_at, id`).all(tenantId) as EndpointRow[];
  return rows.map(toEndpoint);
}

export function getWebhookEndpoint(db: Database.Database, tenantId: string, id: string): WebhookEndpoint | null {
  const row = db.prepare(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = ? AND id = ?`).get(tenantId, id) as EndpointRow | undefined;
  return row ? toEndpoint(row) : null;
}

export function updateWebhookEndpoint(db: Database.Database, tenantId: string, id: string, change: WebhookEndpointChange): boolean {
  const sets: string[] = [];
  const values: (string | number | null)[] = [];
  const set = (column: string, value: string | number | null) => { sets.push(`${column} = ?`); values.push(value); };
  if (change.url !== undefined) set('url', change.url);
  if (change.description !== undefined) set('description', change.description);
  if (change.events !== undefined) set('events', eventsColumn(change.events));
  if (change.enabled !== undefined) {
    set('enabled', change.enabled ? 1 : 0);
    set('disabled_reason', change.enabled ? null : (change.disabledReason ?? null));
  }
  if (change.secrets !== undefined) {
    set('secret', change.secrets.current);
    set('previous_secret', change.secrets.previous);
    set('previous_secret_until', change.secrets.previousUntil);
  }
  if (sets.length === 0) return getWebhookEndpoint(db, tenantId, id) !== null;
  return db.prepare(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE tenant_id = ? AND id = ?`).run(...values, tenantId, id).changes === 1;
}

export function deleteWebhookEndpoint(db: Database.Database, tenantId: string, id: string): boolean {
  return db.transaction((): boolean => {
    const removed = db.prepare('DELETE FROM webhook_endpoints WHERE tenant_id = ? AND id = ?').run(tenantId, id).changes === 1;
    if (removed) db.prepare('DELETE FROM webhook_deliveries WHERE endpoint_id = ?').run(id);
    return removed;
  }).immediate();
}

interface ClaimedRow extends DeliveryRow, EndpointSecretsRow { payload: string; url: string }
interface EndpointSecretsRow { secret: string; previous_secret: string | null; previous_secret_until: number }

/**
 * Due: pending, its time come, not leased, its endpoint enabled, and no older pending delivery of the same
 * endpoint and image (that one goes first, however long its retries take).
 */
export function claimWebhookDeliveries(db: Database.Database, claim: DeliveryClaim): ClaimedDelivery[] {
  const { now } = claim;
  return db.transaction((): ClaimedDelivery[] => {
    const candidates = db.prepare(`SELECT id, tenant_id FROM (${DUE_IN_TURN}) ORDER BY turn, next_attempt_at, id LIMIT $limit`)
      .all({ now, limit: claim.limit * CANDIDATES_PER_SLOT }) as DueCandidate[];
    const chosen = fairShare(candidates, claim.limit, claim.perTenant, claim.inFlight);
    const lease = db.prepare('UPDATE webhook_deliveries SET lease_until = ?, lease_owner = ? WHERE id = ?');
    const read = db.prepare(`SELECT ${DELIVERY_COLUMNS}, d.payload, e.url, e.secret, e.previous_secret, e.previous_secret_until
      FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = ?`);
    const rows = chosen.map((candidate) => {
      lease.run(now + claim.leaseMs, claim.nodeId, candidate.id);
      return read.get(candidate.id) as ClaimedRow;
    });
    return rows.map((row) => ({
      ...toDelivery(row), payload: row.payload, url: row.url,
      secrets: { current: row.secret, previous: row.previous_secret, previousUntil: Number(row.previous_secret_until) },
    }));
  }).immediate();
}

export function finishWebhookDelivery(db: Database.Database, result: DeliveryResult): void {
  db.transaction(() => {
    const finished = result.state === 'pending' ? null : result.now;
    const changed = db.prepare(`UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, last_status = ?, last_error = ?, next_attempt_at = ?,
      lease_until = 0, lease_owner = NULL, finished_at = ? WHERE id = ? AND lease_owner = ?`)
      .run(result.state, result.status, result.error, result.nextAttemptAt, finished, result.id, result.nodeId).changes;
    if (changed === 1 && result.disableEndpoint !== null) {
      db.prepare(`UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ? WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?)`)
        .run(result.disableEndpoint, result.id);
    }
  }).immediate();
}

export function listWebhookDeliveries(db: Database.Database, tenantId: string, endpointId: string, before: string | null, limit: number): DeliveryPage {
  const rows = db.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.tenant_id = ? AND d.endpoint_id = ? AND d.id < ?
    ORDER BY d.id DESC LIMIT ?`).all(tenantId, endpointId, before === null ? Number.MAX_SAFE_INTEGER : Number(before), limit + 1) as DeliveryRow[];
  const page = rows.slice(0, limit).map(toDelivery);
  return { deliveries: page, next: rows.length > limit ? page[page.length - 1]!.id : null };
}

export function resendWebhookDelivery(db: Database.Database, tenantId: string, endpointId: string, deliveryId: string, now: number): boolean {
  return db.prepare(`UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?, lease_until = 0, lease_owner = NULL, finished_at = NULL
    WHERE id = ? AND tenant_id = ? AND endpoint_id = ? AND lease_until <= ?`).run(now, Number(deliveryId), tenantId, endpointId, now).changes === 1;
}

export function pruneWebhookDeliveries(db: Database.Database, before: number): number {
  return db.prepare(`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < ?`).run(before).changes;
}
