/**
 * Who a page's connection is on each tenant whose images it serves. The connection-wide `hello` makes a guest;
 * a `hello` with `tenantId` makes the identity for that tenant's images only: signed in with the page's `sso`
 * payload, unsigned with its `simpleSso` (when the tenant allows it), or the tenant's guest, resumed from the
 * tenant's saved session. The `welcome` that answers says who the person is there (`user`) and the tenant's
 * `rules`; a refusal (`error` with `for: "hello"`) falls back to the tenant's guest.
 *
 * DOM-free and socket-free: the connection (connection.ts) sends the hellos this makes and hands it the answers.
 *
 * @example
 * const identities = new TenantIdentities(sessionStorage);
 * identities.set('acme', { sso });
 * send(identities.hello('acme'));
 */
import type { ErrorMessage, HelloMessage, SecureSso, SimpleSso, TenantRules, WelcomeMessage, WelcomeUser } from '../shared/index.js';
import type { SessionStorage } from './connection-types.js';
import { Listeners } from './listeners.js';

/** What the page says about the person on one tenant; without either field, the tenant's guest. */
export interface TenantIdentity {
  sso?: SecureSso | null;
  simpleSso?: SimpleSso | null;
}

/** A refused tenant hello, for the widgets of that tenant to show. */
export interface TenantHelloError {
  tenantId: string;
  code: ErrorMessage['code'];
  message: string;
}

interface TenantEntry {
  identity: TenantIdentity | null;
  user: WelcomeUser | null;
  rules: TenantRules | null;
  /** The last hello was the guest one sent after a refusal: a refusal of that one is not answered again. */
  fellBack: boolean;
}

/** The per-tenant identities of one connection (see the module comment). */
export class TenantIdentities {
  readonly #tenants = new Map<string, TenantEntry>();
  readonly #storage: SessionStorage | undefined;
  /** The display name a guest goes by (the connection's). */
  readonly #name: () => string | undefined;
  /** Tenants greeted on the current socket; cleared when a socket opens. */
  readonly #greeted = new Set<string>();
  /** A tenant's welcome or refusal arrived: its user or rules may have changed. */
  readonly changes = new Listeners<string>();
  readonly refusals = new Listeners<TenantHelloError>();

  constructor(storage: SessionStorage | undefined, name: () => string | undefined) {
    this.#storage = storage;
    this.#name = name;
  }

  #entry(tenantId: string): TenantEntry {
    let entry = this.#tenants.get(tenantId);
    if (!entry) this.#tenants.set(tenantId, (entry = { identity: null, user: null, rules: null, fellBack: false }));
    return entry;
  }

  /** Sets (or, with null, forgets: logs out) the page's identity on a tenant; true when it changed. */
  set(tenantId: string, identity: TenantIdentity | null): boolean {
    const entry = this.#entry(tenantId);
    const next = identity && (identity.sso || identity.simpleSso) ? identity : null;
    if (JSON.stringify(next) === JSON.stringify(entry.identity)) return false;
    entry.identity = next;
    return true;
  }

  /** A socket opened: every tenant needs its hello again. */
  socketOpened(): void {
    this.#greeted.clear();
  }

  /** The hellos still due on this socket for these tenants (each tenant once) and for every tenant signed in. */
  due(tenantIds: Iterable<string>): HelloMessage[] {
    const wanted = new Set(tenantIds);
    for (const [tenantId, entry] of this.#tenants) if (entry.identity) wanted.add(tenantId);
    return [...wanted].filter((tenantId) => !this.#greeted.has(tenantId)).map((tenantId) => this.hello(tenantId));
  }

  /** The display name changed: the hellos of the tenants greeted on this socket as guests, to rename them there too. */
  renamed(): HelloMessage[] {
    return [...this.#greeted].filter((tenantId) => !this.#entry(tenantId).identity).map((tenantId) => this.hello(tenantId));
  }

  /**
   * The tenant's hello: its saved guest session, and the page's sign-in if any (`asGuest` leaves that out); a
   * guest's carries the display name.
   */
  hello(tenantId: string, asGuest = false): HelloMessage {
    this.#greeted.add(tenantId);
    const session = this.#storage?.load(tenantId);
    const entry = this.#entry(tenantId);
    entry.fellBack = asGuest;
    const identity = asGuest ? null : entry.identity;
    const name = identity ? undefined : this.#name();
    return {
      type: 'hello', tenantId,
      ...(name ? { name } : {}),
      ...(session ? { session } : {}),
      ...(identity?.sso ? { sso: identity.sso } : identity?.simpleSso ? { simpleSso: identity.simpleSso } : {}),
    };
  }

  /** A tenant's welcome: keeps who the person is and the rules; a guest's session is saved for the next page. */
  welcomed(message: WelcomeMessage & { tenantId: string }): void {
    const entry = this.#entry(message.tenantId);
    entry.user = message.user;
    entry.rules = message.rules ?? entry.rules;
    // A signed-in person's token is not kept: logging out must not resume it.
    if ((message.user.kind ?? 'guest') === 'guest') this.#storage?.save(message.session, message.tenantId);
    this.changes.emit(message.tenantId);
  }

  /**
   * A tenant's hello was refused. A refused sign-in is told to that tenant's widgets and answered by the guest
   * hello to send instead (so the tenant's rules and guest identity still arrive); returns null otherwise. A
   * refused guest hello (an unknown tenant, a page origin it does not allow) is left to the subscriptions' own
   * errors, which say the same.
   */
  refused(error: TenantHelloError): HelloMessage | null {
    const entry = this.#entry(error.tenantId);
    entry.user = null;
    this.changes.emit(error.tenantId);
    if (!entry.identity || entry.fellBack) return null;
    this.refusals.emit(error);
    return this.hello(error.tenantId, true);
  }

  /** Who the person is on a tenant, after its welcome. */
  userFor(tenantId: string): WelcomeUser | null {
    return this.#tenants.get(tenantId)?.user ?? null;
  }

  /** The tenant's rules, after its welcome. */
  rulesFor(tenantId: string): TenantRules | null {
    return this.#tenants.get(tenantId)?.rules ?? null;
  }
}
