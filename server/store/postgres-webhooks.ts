/**
 * Webhook endpoints and the delivery outbox on PostgreSQL (migration 7). Many nodes claim deliveries at once:
 * `FOR UPDATE SKIP LOCKED` lets each take rows no other node is taking, and the lease it writes keeps them its
 * own until it reports the attempt or the lease runs out (the node died; another node then sends it).
 */
import type pg from 'pg';
import type { ClaimedDelivery, DeliveryClaim, DeliveryPage, DeliveryResult, WebhookEndpoint, WebhookEndpointChange } from './webhook-types.js';
import { DELIVERY_COLUMNS, DUE_IN_TURN, ENDPOINT_COLUMNS, eventsColumn, toDelivery, toEndpoint, type DeliveryRow, type EndpointRow } from './webhook-outbox.js';

/** In a transaction that locks the tenant's row, so two concurrent creations cannot both pass the count. */
export async function createWebhookEndpoint(pool: pg.Pool, endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const tenant = await client.query('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [endpoint.tenantId]);
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_endpoints WHERE tenant_id = $1', [endpoint.tenantId]);
    if (tenant.rowCount !== 1 || rows[0]!.n >= maxPerTenant) {
      await client.query('ROLLBACK');
      return false;
    }
    const { secrets } = endpoint;
    await client.query(`INSERT INTO webhook_endpoints (${ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, [
      endpoint.id, endpoint.tenantId, endpoint.url, endpoint.description, eventsColumn(endpoint.events), endpoint.enabled,
      endpoint.disabledReason, endpoint.createdAt, secrets.current, secrets.previous, secrets.previousUntil,
    ]);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export async function listWebhookEndpoints(pool: pg.Pool, tenantId: string): Promise<WebhookEndpoint[]> {
  const { rows } = await pool.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return rows.map(toEndpoint);
}

export async function getWebhookEndpoint(pool: pg.Pool, tenantId: string, id: string): Promise<WebhookEndpoint | null> {
  const { rows } = await pool.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ? toEndpoint(rows[0]) : null;
}

export async function updateWebhookEndpoint(pool: pg.Pool, tenantId: string, id: string, change: WebhookEndpointChange): Promise<boolean> {
  const sets: string[] = [];
  const values: (string | number | boolean | null)[] = [];
  const set = (column: string, value: string | number | boolean | null) => { sets.push(`${column} = $${values.push(value)}`); };
  if (change.url !== undefined) set('url', change.url);
  if (change.description !== undefined) set('description', change.description);
  if (change.events !== undefined) set('events', eventsColumn(change.events));
  if (change.enabled !== undefined) {
    set('enabled', change.enabled);
    set('disabled_reason', change.enabled ? null : (change.disabledReason ?? null));
  }
  if (change.secrets !== undefined) {
    set('secret', change.secrets.current);
    set('previous_secret', change.secrets.previous);
    set('previous_secret_until', change.secrets.previousUntil);
  }
  if (sets.length === 0) return (await getWebhookEndpoint(pool, tenantId, id)) !== null;
  const result = await pool.query(`UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE tenant_id = $${values.push(tenantId)} AND id = $${values.push(id)}`, values);
  return result.rowCount === 1;
}

export async function deleteWebhookEndpoint(pool: pg.Pool, tenantId: string, id: string): Promise<boolean> {
  // One statement: the endpoint and its deliveries go together.
  const { rows } = await pool.query<{ removed: number }>(`WITH gone AS (DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 RETURNING id),
    deliveries AS (DELETE FROM webhook_deliveries WHERE endpoint_id IN (SELECT id FROM gone))
    SELECT count(*)::int AS removed FROM gone`, [tenantId, id]);
  return rows[0]!.removed === 1;
}

interface ClaimedRow extends DeliveryRow { payload: string; url: string; secret: string; previous_secret: string | null; previous_secret_until: string }

/**
 * Due: pending, its time come, not leased, its endpoint enabled, and no older pending delivery of the same
 * endpoint and image. A row another node is leasing right now is skipped (SKIP LOCKED); a row leased and
 * committed meanwhile fails the lease test when PostgreSQL rechecks it after the lock.
 */
export async function claimWebhookDeliveries(pool: pg.Pool, claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
  const { now } = claim;
  const tenants = Object.keys(claim.inFlight);
  // Tenants in turn, each within its share (its `turn` at most what it has left on this node); rows another node
  // is leasing right now are skipped (SKIP LOCKED, after which LIMIT counts), and a row leased and committed
  // meanwhile fails the lease test when PostgreSQL rechecks it after the lock.
  const { rows } = await pool.query<ClaimedRow>(`WITH chosen AS (
      SELECT d.id FROM webhook_deliveries d
      JOIN (${DUE_IN_TURN.replaceAll('$now', '$1')}) w ON w.id = d.id
      LEFT JOIN unnest($5::text[], $6::int[]) AS busy(tenant_id, n) ON busy.tenant_id = w.tenant_id
      WHERE d.state = 'pending' AND d.lease_until <= $1 AND w.turn <= $7 - coalesce(busy.n, 0)
      ORDER BY w.turn, w.next_attempt_at, w.id
      LIMIT $2
      FOR UPDATE OF d SKIP LOCKED),
    leased AS (UPDATE webhook_deliveries d SET lease_until = $3, lease_owner = $4 FROM chosen WHERE d.id = chosen.id RETURNING d.*)
    SELECT ${DELIVERY_COLUMNS}, d.payload, e.url, e.secret, e.previous_secret, e.previous_secret_until
    FROM leased d JOIN webhook_endpoints e ON e.id = d.endpoint_id ORDER BY d.next_attempt_at, d.id`,
  [now, claim.limit, now + claim.leaseMs, claim.nodeId, tenants, tenants.map((tenant) => claim.inFlight[tenant] ?? 0), claim.perTenant]);
  return rows.map((row) => ({
    ...toDelivery(row), payload: row.payload, url: row.url,
    secrets: { current: row.secret, previous: row.previous_secret, previousUntil: Number(row.previous_secret_until) },
  }));
}

export async function finishWebhookDelivery(pool: pg.Pool, result: DeliveryResult): Promise<void> {
  const finished = result.state === 'pending' ? null : result.now;
  await pool.query(`WITH done AS (UPDATE webhook_deliveries SET state = $1, attempts = attempts + 1, last_status = $2, last_error = $3,
      next_attempt_at = $4, lease_until = 0, lease_owner = NULL, finished_at = $5 WHERE id = $6 AND lease_owner = $7 RETURNING endpoint_id)
    UPDATE webhook_endpoints SET enabled = false, disabled_reason = $8 WHERE $8::text IS NOT NULL AND id IN (SELECT endpoint_id FROM done)`,
  [result.state, result.status, result.error, result.nextAttemptAt, finished, Number(result.id), result.nodeId, result.disableEndpoint]);
}

export async function listWebhookDeliveries(pool: pg.Pool, tenantId: string, endpointId: string, before: string | null, limit: number): Promise<DeliveryPage> {
  const { rows } = await pool.query<DeliveryRow>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.endpoint_id = $2
    AND d.id < $3 ORDER BY d.id DESC LIMIT $4`, [tenantId, endpointId, before === null ? Number.MAX_SAFE_INTEGER : Number(before), limit + 1]);
  const page = rows.slice(0, limit).map(toDelivery);
  return { deliveries: page, next: rows.length > limit ? page[page.length - 1]!.id : null };
}

export async function resendWebhookDelivery(pool: pg.Pool, tenantId: string, endpointId: string, deliveryId: string, now: number): Promise<boolean> {
  const result = await pool.query(`UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $1, lease_until = 0, lease_owner = NULL,
    finished_at = NULL WHERE id = $2 AND tenant_id = $3 AND endpoint_id = $4 AND lease_until <= $1`, [now, Number(deliveryId), tenantId, endpointId]);
  return result.rowCount === 1;
}

export async function pruneWebhookDeliveries(pool: pg.Pool, before: number): Promise<number> {
  const result = await pool.query(`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND finished_at < $1`, [before]);
  return result.rowCount ?? 0;
}
