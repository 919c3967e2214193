/** What an operator may set about webhook delivery (docs/operations.md#webhooks; read in server/config.ts). */
export interface WebhookSettings {
  /** Deliver to loopback, private and link-local addresses (`WEBHOOK_ALLOW_PRIVATE_ADDRESSES`): off, so tenants cannot probe the service's network. */
  allowPrivateAddresses: boolean;
  /** Deadline of one attempt, connect to last byte read (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Delays between attempts (`WEBHOOK_RETRY_DELAYS_MS`, comma-separated); the default adds up to about a day. */
  retryDelaysMs: readonly number[];
  /** How long a node holds a delivery it is sending before another node may (`WEBHOOK_LEASE_MS`); above the timeout. */
  leaseMs: number;
  /** How often a node looks for due deliveries besides after its own writes (`WEBHOOK_POLL_MS`). */
  pollMs: number;
  /** Attempts one node makes at once. */
  concurrency: number;
  /** Attempts one node makes at once for one tenant: a tenant whose receivers stall cannot hold up the others. */
  perTenant: number;
  /** Response bytes read and kept of an answer. */
  maxResponseBytes: number;
  /** Endpoints a tenant may register. */
  maxEndpointsPerTenant: number;
}
