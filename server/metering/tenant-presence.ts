/**
 * Who is live on this node, per tenant: connections with at least one subscription to one of the tenant's
 * images, and the distinct images watched. The gateway's connections report each subscription they add and
 * drop, and say whether it is their first (or last) of that tenant: a connection counts once per tenant however
 * many of its images it watches. The connection knows its own subscriptions, so nothing is kept here per
 * connection (an idle connection's memory is issue 14's concern).
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
 * presence.add({ tenantId: 'acme', urlId: 'plan.png' }, true);   // the connection's first image of acme
 * presence.live('acme'); // { connections: 1, images: 1 }
 */
export class TenantPresence {
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

  /** A connection subscribed to `key`; `firstOfTenant` when it watched no other image of that tenant. */
  add(key: ImageKey, firstOfTenant: boolean): void {
    this.subscriptionTotal += 1;
    let urls = this.images.get(key.tenantId);
    if (!urls) this.images.set(key.tenantId, (urls = new Map()));
    urls.set(key.urlId, (urls.get(key.urlId) ?? 0) + 1);
    if (firstOfTenant) this.changeConnections(key.tenantId, 1);
  }

  /** A connection dropped a subscription it had added; `lastOfTenant` when it watches no other image of that tenant. */
  remove(key: ImageKey, lastOfTenant: boolean): void {
    const urls = this.images.get(key.tenantId);
    const watchers = urls?.get(key.urlId);
    if (!urls || watchers === undefined) return;
    this.subscriptionTotal -= 1;
    if (watchers > 1) urls.set(key.urlId, watchers - 1);
    else {
      urls.delete(key.urlId);
      if (urls.size === 0) this.images.delete(key.tenantId);
    }
    if (lastOfTenant) this.changeConnections(key.tenantId, -1);
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
