/**
 * The webhook outbox as both stores write it: a stored event becomes one delivery row per enabled endpoint of
 * its tenant that takes its type, inserted by one `INSERT … SELECT` in the write's own transaction. So a write
 * is stored with its deliveries or not at all, and a crash between storing and sending loses nothing.
 */
import { randomUUID } from 'node:crypto';
import { webhookBody, WEBHOOK_EVENT_TYPES, type Author, type ImageEvent, type WebhookEventType } from '../../shared/index.js';

/** One event's deliveries to insert: its body (the same for every endpoint) and what selects the endpoints. */
export interface OutboxEntry {
  eventId: string;
  type: WebhookEventType;
  payload: string;
  /** Matches the endpoints' `events` column (`eventsColumn`) of those that take the type. */
  pattern: string;
  seq: number;
  now: number;
}

export function outboxEntry(event: ImageEvent, actor: Author, now: number): OutboxEntry {
  const body = webhookBody(event, actor, randomUUID(), now);
  return { eventId: body.id, type: body.type, payload: JSON.stringify(body), pattern: `,${body.type},`, seq: event.seq, now };
}

/** The stored form of an endpoint's event types: `*`, or the types between commas, so `instr`/`position` finds `,type,`. */
export const eventsColumn = (events: readonly (WebhookEventType | '*')[]): string => (events.includes('*') ? '*' : `,${events.join(',')},`);

export function parseEventsColumn(column: string): (WebhookEventType | '*')[] {
  if (column === '*') return ['*'];
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  return column.split(',').filter((type): type is WebhookEventType => known.has(type));
}

/** Columns of a delivery row as both stores answer them (PostgreSQL's bigints as strings). */
export interface DeliveryRow {
  id: number | string; endpoint_id: string; tenant_id: string; url_id: string; seq: number | string; event_id: string; event_type: string;
  state: string; attempts: number; last_status: number | null; last_error: string | null; next_attempt_at: number | string;
  created_at: number | string; finished_at: number | string | null;
}

export const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.tenant_id, d.url_id, d.seq, d.event_id, d.event_type, d.state, d.attempts, d.last_status,
  d.last_error, d.next_attempt_at, d.created_at, d.finished_at`;

export const toDelivery = (row: DeliveryRow) => ({
  id: String(row.id), endpointId: row.endpoint_id, tenantId: row.tenant_id, urlId: row.url_id, seq: Number(row.seq), eventId: row.event_id,
  type: row.event_type as WebhookEventType, state: row.state as 'pending' | 'delivered' | 'failed', attempts: row.attempts,
  lastStatus: row.last_status, lastError: row.last_error, nextAttemptAt: Number(row.next_attempt_at), createdAt: Number(row.created_at),
  finishedAt: row.finished_at === null ? null : Number(row.finished_at),
});

export interface EndpointRow {
  id: string; tenant_id: string; url: string; description: string; events: string; enabled: number | boolean; disabled_reason: string | null;
  created_at: number | string; secret: string; previous_secret: string | null; previous_secret_until: number | string;
}

export const ENDPOINT_COLUMNS = 'id, tenant_id, url, description, events, enabled, disabled_reason, created_at, secret, previous_secret, previous_secret_until';

export const toEndpoint = (row: EndpointRow) => ({
  id: row.id, tenantId: row.tenant_id, url: row.url, description: row.description, events: parseEventsColumn(row.events),
  enabled: row.enabled === true || row.enabled === 1, disabledReason: row.disabled_reason, createdAt: Number(row.created_at),
  secrets: { current: row.secret, previous: row.previous_secret, previousUntil: Number(row.previous_secret_until) },
});

/** A due delivery, in the order claims consider them: each tenant's first, then each tenant's second, … */
export interface DueCandidate { id: number | string; tenant_id: string }

/**
 * The candidates a claim takes: in the order given, at most `limit`, and no tenant past `perTenant` in flight
 * (what it already has on this node counted).
 */
export function fairShare<T extends DueCandidate>(candidates: readonly T[], limit: number, perTenant: number, inFlight: Readonly<Record<string, number>>): T[] {
  const taken = new Map<string, number>();
  const chosen: T[] = [];
  for (const candidate of candidates) {
    if (chosen.length >= limit) break;
    const count = taken.get(candidate.tenant_id) ?? inFlight[candidate.tenant_id] ?? 0;
    if (count >= perTenant) continue;
    taken.set(candidate.tenant_id, count + 1);
    chosen.push(candidate);
  }
  return chosen;
}

/** The due deliveries, tenants in turn (its `turn`-th due delivery of each), as both stores select them. */
export const DUE_IN_TURN = `SELECT d.id, d.tenant_id, d.next_attempt_at,
    row_number() OVER (PARTITION BY d.tenant_id ORDER BY d.next_attempt_at, d.id) AS turn
  FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
  WHERE d.state = 'pending' AND d.next_attempt_at <= $now AND d.lease_until <= $now AND e.enabled = TRUE
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id AND p.url_id = d.url_id AND p.state = 'pending' AND p.id < d.id)`;

/** How many due candidates a claim reads for each delivery it may take: room to skip tenants at their cap. */
export const CANDIDATES_PER_SLOT = 4;

/** How long delivered and failed deliveries stay listed on the dashboard. */
export const DELIVERY_KEEP_MS = 7 * 24 * 3600_000;
