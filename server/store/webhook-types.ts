/**
 * What the stores keep for webhooks (docs/webhooks.md): each tenant's endpoints, and the outbox of deliveries,
 * one row per event and endpoint, stored in the transaction that stores the write (webhook-outbox.ts).
 */
import type { WebhookDeliveryState, WebhookEndpointView, WebhookEventType } from '../../shared/index.js';

/** The signing secrets of an endpoint, sealed (server/auth/secret-box.ts): after a rotation both sign until `previousUntil`. */
export interface WebhookSecrets { current: string; previous: string | null; previousUntil: number }

/** An endpoint as stored: what the REST API and dashboard show of it, its tenant, and its sealed secrets. */
export interface WebhookEndpoint extends WebhookEndpointView {
  tenantId: string;
  secrets: WebhookSecrets;
}

/** A change to an endpoint; fields left out stay. */
export interface WebhookEndpointChange {
  url?: string;
  description?: string;
  events?: (WebhookEventType | '*')[];
  enabled?: boolean;
  /** Set with `enabled: false`; cleared when enabled again. */
  disabledReason?: string | null;
  secrets?: WebhookSecrets;
}

/** A delivery as stored. Ids are the outbox's row ids, in the order the events were stored. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  tenantId: string;
  urlId: string;
  seq: number;
  eventId: string;
  type: WebhookEventType;
  state: WebhookDeliveryState;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: number;
  createdAt: number;
  finishedAt: number | null;
}

/** A delivery a node leased to send now, with what sending needs. */
export interface ClaimedDelivery extends WebhookDelivery {
  /** The body exactly as stored: every attempt sends these bytes. */
  payload: string;
  url: string;
  secrets: WebhookSecrets;
}

export interface DeliveryClaim {
  nodeId: string;
  now: number;
  /** How long the node may take; past it another node may send the delivery (this node died). */
  leaseMs: number;
  limit: number;
  /**
   * Fairness between tenants: at most this many deliveries of one tenant in flight on this node, counting
   * `inFlight` (by tenant id, those this node is sending now). A tenant whose receivers never answer then holds
   * a few of the node's attempts, not all of them; due deliveries are taken tenant by tenant, in turn.
   */
  perTenant: number;
  inFlight: Readonly<Record<string, number>>;
}

/** What an attempt came to. `pending` with `nextAttemptAt`: try again then. */
export interface DeliveryResult {
  id: string;
  nodeId: string;
  now: number;
  state: WebhookDeliveryState;
  status: number | null;
  error: string | null;
  nextAttemptAt: number;
  /** The endpoint is turned off with this reason (a delivery kept failing until its retries ran out). */
  disableEndpoint: string | null;
}

/** A page of an endpoint's deliveries, newest first; `next` continues before that id. */
export interface DeliveryPage { deliveries: WebhookDelivery[]; next: string | null }

/** The store's part of webhooks, on SQLite and PostgreSQL alike (test/contract/webhooks.contract.ts). */
export interface WebhookStore {
  /** False when the tenant does not exist or already has `maxPerTenant` endpoints. */
  createWebhookEndpoint(endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean>;
  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpoint[]>;
  getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint | null>;
  /** False for an endpoint that is not the tenant's. */
  updateWebhookEndpoint(tenantId: string, id: string, change: WebhookEndpointChange): Promise<boolean>;
  /** Removes the endpoint and its deliveries, pending ones included. */
  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean>;
  /**
   * Leases up to `limit` due deliveries of enabled endpoints to this node, atomically across nodes: each is
   * leased by one node at a time. Only the oldest pending delivery of each endpoint and image is due, so an
   * endpoint gets one image's events one at a time, in seq order.
   */
  claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]>;
  /** Records an attempt, if this node still holds the lease (a node whose lease ran out changes nothing). */
  finishWebhookDelivery(result: DeliveryResult): Promise<void>;
  listWebhookDeliveries(tenantId: string, endpointId: string, before: string | null, limit: number): Promise<DeliveryPage>;
  /** Makes a delivery pending again, due now, with its attempts counted from zero. False if it is not the endpoint's. */
  resendWebhookDelivery(tenantId: string, endpointId: string, deliveryId: string, now: number): Promise<boolean>;
  /** Forgets delivered and failed deliveries finished before `before`; answers how many. */
  pruneWebhookDeliveries(before: number): Promise<number>;
}
