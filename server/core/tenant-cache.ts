/**
 * Tenants are read on every subscribe and on writes from connections that did not subscribe; this cache keeps
 * that off the store, also when strangers probe random tenant ids.
 * - A known tenant is kept for TTL_MS, then served while it is re-read in the background, so its readers
 *   never wait and a changed origin list takes effect within seconds.
 * - An unknown id is remembered as unknown for TTL_MS. Both kinds are bounded, oldest first out, so probing
 *   many ids never pushes the real tenants out.
 * - Store reads for ids not in the cache are capped node-wide (MISS_LOOKUPS_PER_SECOND) and per requester, a
 *   client address (MISS_LOOKUPS_PER_REQUESTER_PER_SECOND), so one address probing ids leaves the rest of the
 *   node's budget to everyone else's first visits; past either cap `get`
 *   throws `TenantLookupDeferred` without asking the store, and the caller answers `unavailable`, which clients
 *   retry: a real tenant not yet cached (after a restart, say) is delayed, never refused. Concurrent reads of
 *   one id share one lookup.
 */
import type { Store, Tenant } from '../store/types.js';

const TTL_MS = 10_000;
/** Known tenants kept: far more than a node serves at once. */
const MAX_KNOWN = 100_000;
/** Unknown ids remembered. */
const MAX_UNKNOWN = 10_000;
/** Store lookups per second for ids the cache does not hold: a new tenant's first visitors, or a probe. */
export const MISS_LOOKUPS_PER_SECOND = 200;
/** One requester's (client address's) share of those, so one address cannot spend them all. */
export const MISS_LOOKUPS_PER_REQUESTER_PER_SECOND = 20;

interface Entry { tenant: Tenant | null; expires: number }

/** Thrown by `get` when the node's budget of store lookups for uncached ids is spent this second. */
export class TenantLookupDeferred extends Error {
  constructor() {
    super('too many lookups of unknown tenants on this node right now');
  }
}

export class TenantCache {
  private readonly known = new Map<string, Entry>();
  private readonly unknown = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Tenant | null>>();
  private windowStart = 0;
  private missesInWindow = 0;
  /** Misses per requester in this second; cleared each second, so it holds only this second's requesters. */
  private readonly requesterMisses = new Map<string, number>();

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  /** @param requester who asks (a client address), for its share of the lookups of uncached ids. */
  async get(id: string, requester?: string): Promise<Tenant | null> {
    const now = this.now();
    const cached = this.cached(id, now);
    if (cached !== undefined) return cached;
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    if (!this.mayLookUp(now, requester)) throw new TenantLookupDeferred();
    return this.lookUp(id);
  }

  /**
   * What `get` would answer without waiting: the tenant, or null for an id known not to exist; undefined when
   * only the store can say. Subscribes ask this first, so a crowd's arrival makes no promise per lookup (issue 14).
   */
  cached(id: string, now = this.now()): Tenant | null | undefined {
    const known = this.known.get(id);
    if (known) {
      // Stale: re-read in the background; a failed refresh keeps the last known state.
      if (known.expires <= now) void this.lookUp(id).catch(() => undefined);
      return known.tenant;
    }
    const unknown = this.unknown.get(id);
    if (unknown && unknown.expires > now) return null;
    return undefined;
  }

  forget(id: string): void {
    this.known.delete(id);
    this.unknown.delete(id);
  }

  private mayLookUp(now: number, requester: string | undefined): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.missesInWindow = 0;
      this.requesterMisses.clear();
    }
    const mine = requester === undefined ? 0 : (this.requesterMisses.get(requester) ?? 0);
    if (mine >= MISS_LOOKUPS_PER_REQUESTER_PER_SECOND || this.missesInWindow >= MISS_LOOKUPS_PER_SECOND) return false;
    this.missesInWindow += 1;
    if (requester !== undefined) this.requesterMisses.set(requester, mine + 1);
    return true;
  }

  private lookUp(id: string): Promise<Tenant | null> {
    const pending = this.inFlight.get(id);
    if (pending) return pending;
    const lookup = this.store.getTenant(id).then((tenant) => {
      this.remember(id, tenant);
      return tenant;
    }).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, lookup);
    return lookup;
  }

  private remember(id: string, tenant: Tenant | null): void {
    const entry = { tenant, expires: this.now() + TTL_MS };
    const [into, other, max] = tenant ? [this.known, this.unknown, MAX_KNOWN] : [this.unknown, this.known, MAX_UNKNOWN];
    other.delete(id);
    into.delete(id); // re-inserted last: Map order is the eviction order
    into.set(id, entry);
    if (into.size > max) {
      const oldest = into.keys().next();
      if (!oldest.done) into.delete(oldest.value);
    }
  }
}
