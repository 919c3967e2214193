/**
 * Who a connection is, per tenant. A hello without a tenant sets the connection's guest (for every tenant with no
 * hello of its own); a hello with a tenant sets that tenant's identity: signed in (Secure SSO), unsigned (simple
 * SSO, if the tenant allows it), or the tenant's guest, whose session token is valid on that tenant only.
 */
import {
  SIMPLE_ID_PREFIX, type Author, type ErrorCode, type HelloMessage, type WelcomeUser,
} from '../../shared/index.js';
import { newUserId } from '../auth/session.js';
import { verifySecureSso } from '../auth/sso.js';
import { ssoSecretsOf } from '../auth/tenant-secrets.js';
import type { Tenant } from '../store/types.js';
import type { ConnectionContext, ConnectionReplies } from './connection-context.js';

/** The name of a guest who gave none: such a guest is counted in presence, never listed. */
export const GUEST_NAME = 'Guest';
/** Tenants one connection may say hello to: a page embeds images of a few sites at most. */
const MAX_TENANT_HELLOS = 16;

/** A person on one tenant's images. */
export interface Identity {
  author: Author;
  /** An SSO admin or moderator. */
  moderator: boolean;
  kind: 'sso' | 'simple' | 'guest';
}

export class ConnectionIdentities {
  #guest: Author = { id: newUserId(), name: GUEST_NAME };
  readonly #byTenant = new Map<string, Identity>();
  /** The tail of this connection's hellos, which run one after another in arrival order. */
  #helloOrder: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: ConnectionContext,
    private readonly replies: ConnectionReplies,
  ) {}

  /** Who writes to `tenantId`'s images. */
  of(tenantId: string): Identity {
    return this.#byTenant.get(tenantId) ?? { author: this.#guest, moderator: false, kind: 'guest' };
  }

  /**
   * Welcomes again, with the tenant's new rules, a connection that said hello to it. An unsigned (simple SSO)
   * identity ends when the tenant turns simple SSO off: the person goes on as the tenant's guest.
   */
  rulesChanged(tenant: Tenant): void {
    let identity = this.#byTenant.get(tenant.id);
    if (!identity) return;
    if (identity.kind === 'simple' && !tenant.rules.simpleSso) {
      identity = { author: { id: newUserId(), name: identity.author.name }, moderator: false, kind: 'guest' };
      this.#byTenant.set(tenant.id, identity);
    }
    this.welcome(tenant, identity);
  }

  /**
   * Hellos take effect in the order they arrived, and a frame after a hello sees its identity: `settled()` is
   * the moment every hello received so far has been answered.
   */
  hello(message: HelloMessage): Promise<void> {
    const run = this.#helloOrder.then(() => this.greet(message));
    this.#helloOrder = run.then(() => undefined, () => undefined);
    return run;
  }

  /** Resolves once every hello received so far has taken effect (or failed). */
  settled(): Promise<void> {
    return this.#helloOrder;
  }

  private async greet(message: HelloMessage): Promise<void> {
    if (message.tenantId === undefined) return this.connectionHello(message);
    const tenantId = message.tenantId;
    const scope = { for: 'hello', tenantId };
    if (!this.#byTenant.has(tenantId) && this.#byTenant.size >= MAX_TENANT_HELLOS) {
      return this.replies.error('limit-reached', `at most ${MAX_TENANT_HELLOS} tenants per connection`, scope);
    }
    const { service, origin, address } = this.context;
    const access = await service.access(tenantId, origin, address);
    if (!access.ok) return this.replies.error(access.code, access.message, scope);
    if (this.replies.closed) return;
    const identity = this.identityFrom(message, access.tenant);
    if ('code' in identity) return this.replies.error(identity.code, identity.message, scope);
    this.#byTenant.set(tenantId, identity);
    this.welcome(access.tenant, identity);
  }

  private welcome(tenant: Tenant, identity: Identity): void {
    const user: WelcomeUser = { ...identity.author, moderator: identity.moderator, kind: identity.kind };
    const session = this.context.signer.issue(identity.author.id, tenant.id);
    this.replies.outbox.send({ type: 'welcome', tenantId: tenant.id, user, session, rules: tenant.rules });
  }

  /**
   * Only a valid session changes who the connection is (a person who signs in on an open connection); any other
   * hello changes the name alone. A new identity per hello would restart the per-person budgets and caps.
   */
  private connectionHello(message: HelloMessage): void {
    const known = message.session ? this.context.signer.verify(message.session) : null;
    this.#guest = { id: known ?? this.#guest.id, name: message.name || GUEST_NAME };
    this.replies.outbox.send({ type: 'welcome', user: this.#guest, session: this.context.signer.issue(this.#guest.id) });
  }

  private identityFrom(message: HelloMessage, tenant: Tenant): Identity | { code: ErrorCode; message: string } {
    if (message.sso) {
      const verdict = verifySecureSso(message.sso, ssoSecretsOf(tenant, this.context.secrets));
      if (!verdict.ok) return { code: verdict.code, message: verdict.message };
      const { id, name, avatar, moderator } = verdict.identity;
      return { author: { id, name, ...(avatar ? { avatar } : {}) }, moderator, kind: 'sso' };
    }
    if (message.simpleSso) {
      if (!tenant.rules.simpleSso) return { code: 'forbidden', message: 'this site takes signed-in users only (simple SSO is off)' };
      const { id, name, avatar } = message.simpleSso;
      return { author: { id: `${SIMPLE_ID_PREFIX}${id ?? `name:${name}`}`, name, ...(avatar ? { avatar } : {}) }, moderator: false, kind: 'simple' };
    }
    return { author: this.tenantGuest(message, tenant.id), moderator: false, kind: 'guest' };
  }

  /**
   * The tenant's guest: the id of a valid session token of this tenant (a signed-in person's token does not
   * make a guest of them), else the guest already known on this tenant (hello hopping keeps the person's
   * budgets), else a new one: a token of another tenant is no identity here.
   */
  private tenantGuest(message: HelloMessage, tenantId: string): Author {
    const fromToken = message.session ? this.context.signer.verify(message.session, tenantId) : null;
    const previous = this.#byTenant.get(tenantId);
    const id = fromToken?.startsWith('u-') ? fromToken : previous?.kind === 'guest' ? previous.author.id : newUserId();
    // The name the person gave (here, on an earlier hello of this tenant, or on the connection's hello).
    const name = message.name || (previous?.kind === 'guest' ? previous.author.name : this.#guest.name);
    return { id, name };
  }
}
