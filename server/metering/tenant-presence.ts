/**
 * Who is live on this node, per tenant: connections with at least one subscription to one of the tenant's
 * images, and the distinct images watched. The gateway's connections report each subscription they add and
 * drop; a connection counts once per tenant however many of its images it watches.
 */
import type { ImageKey } from '../../shared/index.js';

interface PresenceListener {
  /** The tenant's live connections on this node changed to `current`. */
  connections(tenantId: string, current: number): void;
}

export interface TenantLive {
  connections: number;
  images: number;
}

/**
 * @example
 * const presence = new TenantPresence();
 * presence.add(connection, { tenantId: 'acme', urlId: 'plan.png' });
 * presence.live('acme'); // { connections: 1, images: 1 }
 */
export class TenantPresence {
  /** owner (a connection) → tenant → its subscriptions of that tenant */
  private readonly owners = new Map<object, Map<string, number>>();
  private readonly connections = new Map<string, number>();
  /** tenant → urlId → subscriptions */
  private readonly images = new Map<string, Map<string, number>>();
  private subscriptionTotal = 0;
  private readonly listeners: PresenceListener[] = [];

  listen(listener: PresenceListener): void {
    this.listeners.push(listener);
  }

  /** Image subscriptions on this node, over all connections. */
  get subscriptions(): number {
    return this.subscriptionTotal;
  }

  add(owner: object, key: ImageKey): void {
    this.subscriptionTotal += 1;
    let tenants = this.owners.get(owner);
    if (!tenants) this.owners.set(owner, (tenants = new Map()));
    const before = tenants.get(key.tenantId) ?? 0;
    tenants.set(key.tenantId, before + 1);
    let urls = this.images.get(key.tenantId);
    if (!urls) this.images.set(key.tenantId, (urls = new Map()));
    urls.set(key.urlId, (urls.get(key.urlId) ?? 0) + 1);
    if (before === 0) this.changeConnections(key.tenantId, 1);
  }

  remove(owner: object, key: ImageKey): void {
    const tenants = this.owners.get(owner);
    const before = tenants?.get(key.tenantId);
    if (!tenants || before === undefined) return;
    this.subscriptionTotal -= 1;
    if (before > 1) tenants.set(key.tenantId, before - 1);
    else tenants.delete(key.tenantId);
    if (tenants.size === 0) this.owners.delete(owner);
    const urls = this.images.get(key.tenantId);
    const watchers = urls?.get(key.urlId) ?? 0;
    if (urls && watchers > 1) urls.set(key.urlId, watchers - 1);
    else if (urls) {
      urls.delete(key.urlId);
      if (urls.size === 0) this.images.delete(key.tenantId);
    }
    if (before === 1) this.changeConnections(key.tenantId, -1);
  }

  live(tenantId: string): TenantLive {
    return { connections: this.connections.get(tenantId) ?? 0, images: this.images.get(tenantId)?.size ?? 0 };
  }

  /** Every tenant with live connections on this node. */
  tenants(): Map<string, TenantLive> {
    const all = new Map<string, TenantLive>();
    for (const tenantId of this.connections.keys()) all.set(tenantId, this.live(tenantId));
    return all;
  }

  private changeConnections(tenantId: string, delta: number): void {
    const current = (this.connections.get(tenantId) ?? 0) + delta;
    if (current > 0) this.connections.set(tenantId, current);
    else this.connections.delete(tenantId);
    for (const listener of this.listeners) listener.connections(tenantId, current);
  }
}
