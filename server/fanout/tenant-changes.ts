/**
 * Telling every node that a tenant changed (its rules, say), so each forgets its cached copy at once instead of
 * within the cache's refresh. One bus topic that every node subscribes to at start; the message is the tenant's
 * id as JSON. A node that misses one (a bus outage) still refreshes within the tenant cache's TTL.
 */
import type { Bus } from '../bus/types.js';

/** No space (image topics have one) and no `feed:` prefix (tenant feeds), so it is told apart from both. */
export const TENANT_CHANGES_TOPIC = 'tenant-changes';

export interface TenantChangesOptions {
  bus: Bus;
  /** Called on every node (the announcing one included) with the changed tenant's id. */
  changed(tenantId: string): void;
  onError(error: unknown): void;
}

/**
 * @example
 * const changes = new TenantChanges({ bus, changed: (id) => service.tenants.forget(id), onError });
 * await changes.start();
 * await changes.announce('acme');
 */
export class TenantChanges {
  constructor(private readonly options: TenantChangesOptions) {}

  start(): Promise<void> {
    return this.options.bus.subscribe(TENANT_CHANGES_TOPIC);
  }

  /** Tells every node; this node forgets at once, whatever the bus does. */
  async announce(tenantId: string): Promise<void> {
    this.options.changed(tenantId);
    await this.options.bus.publish(TENANT_CHANGES_TOPIC, JSON.stringify({ tenantId })).catch(this.options.onError);
  }

  /** A message on the topic, from any node. */
  messageArrived(payload: string): void {
    let tenantId: unknown;
    try {
      tenantId = (JSON.parse(payload) as { tenantId?: unknown }).tenantId;
    } catch {
      return;
    }
    if (typeof tenantId === 'string') this.options.changed(tenantId);
  }
}
