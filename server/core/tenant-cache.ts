/**
 * Tenants are read on every subscribe and on writes from connections that did not subscribe; a short cache
 * keeps that off the store. Entries expire so a tenant's changed origins take effect within seconds.
 */
import type { Store, Tenant } from '../store/types.js';

const TTL_MS = 10_000;

export class TenantCache {
  private readonly entries = new Map<string, { tenant: Tenant | null; expires: number }>();

  constructor(private readonly store: Store) {}

  async get(id: string): Promise<Tenant | null> {
    const now = Date.now();
    const cached = this.entries.get(id);
    if (cached && cached.expires > now) return cached.tenant;
    const tenant = await this.store.getTenant(id);
    // Unknown ids are cached too (briefly), so probing random ids costs the store little.
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(id, { tenant, expires: now + TTL_MS });
    return tenant;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
