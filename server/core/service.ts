/**
 * The core: every operation a client can ask for, independent of the transport. Validated messages come in;
 * it authorizes them against the tenant, stores writes through the store interface and publishes the stored
 * event on the bus. It knows the store and bus interfaces, never a concrete SQLite, PostgreSQL or Redis.
 *
 * The write path runs one way: `commit` stores the write and resolves once it is durable (the caller acks
 * it), then tells the write observers (the topic hub, usage metering, the tenant feed) and publishes the
 * event on the bus, whose handler fans it out to every node's subscribers, this node's included.
 */
import { eventToWire, imageTopic, type Author, type ChatExport, type ErrorCode, type ImageEvent, type ImageKey, type Limits, type WriteMessage } from '../../shared/index.js';
import type { Bus } from '../bus/types.js';
import type { ReadResult, Store, Tenant } from '../store/types.js';
import type { WriteOutcome } from './write-plan.js';
import { writeTarget, type Actor } from './plan.js';
import { plannerFor } from './plan-recipe.js';
import { importChats, type ImportReport } from './chat-import.js';
import { TenantCache, TenantLookupDeferred } from './tenant-cache.js';
import { ReadBatches } from './read-batches.js';
import { writeRefusal, type Writer } from './write-policy.js';

export type Access = { ok: true; tenant: Tenant } | { ok: false; code: 'forbidden' | 'unavailable'; message: string };

/** Who asks to write: the person, whether they moderate the tenant, and whether they are its admin. */
interface WriteRequester extends Writer {
  author: Author;
  /** The tenant's admin (its API secret): may act from any page. */
  admin: boolean;
}

type WriteAuthorization = { ok: true; actor: Actor } | { ok: false; code: ErrorCode; message: string };

/** The one refusal of `access`: it says what to check, not which of the two checks failed. */
const refusedAccess = (tenantId: string): string =>
  `tenant "${tenantId}" does not exist or does not allow this page's origin`;

function accessTo(tenant: Tenant | null, tenantId: string, origin: string | undefined | 'any'): Access {
  const allowed = tenant !== null && (origin === 'any' || tenant.origins.length === 0 || (origin !== undefined && tenant.origins.includes(origin)));
  if (!tenant || !allowed) return { ok: false, code: 'forbidden', message: refusedAccess(tenantId) };
  return { ok: true, tenant };
}

export interface WriteObserver {
  /**
   * A write was stored (after the ack could go out). `webhooks` is false when its transaction certainly queued no
   * webhook delivery; undefined when that is not known (an import, a publish of another source).
   */
  written(event: ImageEvent, webhooks?: boolean): void;
}

/** Hears a publish that failed after its write was stored and acknowledged (subscribers catch up from the store). */
type PublishFailed = (error: unknown) => void;

export class ChatService {
  readonly tenants: TenantCache;
  private readonly observers: WriteObserver[] = [];
  /** Writes between their store call and their publish; a shutdown waits for them (`settle`). */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Reads of the store, shared by the callers who ask for the same one together. */
  private readonly reads = new ReadBatches<ReadResult>();

  constructor(
    readonly store: Store,
    readonly bus: Bus,
    private readonly limits: Limits,
    private readonly publishFailed: PublishFailed = () => {},
  ) {
    this.tenants = new TenantCache(store);
  }

  observe(observer: WriteObserver): void {
    this.observers.push(observer);
  }

  /**
   * May a page from `origin` use this tenant's images? An unknown tenant and a known one that refuses the
   * origin get the same answer, so a stranger cannot learn which tenant ids exist. `requester` (the client's
   * address) gets its own share of the lookups of tenants not yet cached. `origin: 'any'` is for the tenant's own
   * admin (its API secret), who may act from anywhere.
   */
  async access(tenantId: string, origin: string | undefined | 'any', requester?: string): Promise<Access> {
    let tenant: Tenant | null;
    try {
      tenant = await this.tenants.get(tenantId, requester);
    } catch (error) {
      if (!(error instanceof TenantLookupDeferred)) throw error;
      // Someone is probing tenant ids: ask again shortly (clients retry unavailable), whichever tenant this is.
      return { ok: false, code: 'unavailable', message: 'the server is busy; try again shortly' };
    }
    return accessTo(tenant, tenantId, origin);
  }

  /** `access` answered from the tenant cache without waiting; undefined when the store must be asked (then `access`). */
  accessNow(tenantId: string, origin: string | undefined | 'any'): Access | undefined {
    const tenant = this.tenants.cached(tenantId);
    return tenant === undefined ? undefined : accessTo(tenant, tenantId, origin);
  }

  /**
   * May `requester` make this write, from `origin`? The tenant's origins (not for its admin) and its rules of who
   * may write; the answer is who acts, with what the rules let them resolve. Every way in (the widget's socket,
   * and any later API on behalf of a person) asks here before it stores anything.
   */
  async authorizeWrite(message: WriteMessage, requester: WriteRequester, origin: string | undefined, address?: string): Promise<WriteAuthorization> {
    const access = await this.access(message.tenantId, requester.admin ? 'any' : origin, address);
    if (!access.ok) return access;
    const ruled = writeRefusal(access.tenant.rules, requester, message);
    if (ruled) return { ok: false, ...ruled };
    const { moderator } = requester;
    return { ok: true, actor: { ...requester.author, moderator, mayResolveOthers: moderator || access.tenant.rules.resolve === 'anyone' } };
  }

  /**
   * An image's snapshot, or its events after `since`; identical reads asked for together share one
   * (read-batches.ts). `topic` is the key's `imageTopic`, when the caller holds it already.
   */
  read(key: ImageKey, since?: number, epoch?: string, topic = imageTopic(key)): Promise<ReadResult> {
    const id = since === undefined && epoch === undefined ? topic : `${topic}\u0000${since ?? ''}\u0000${epoch ?? ''}`;
    return this.reads.join(id) ?? this.reads.read(id, () => this.store.read(key, since, epoch));
  }

  /** Stores one write, within the limits (count caps, byte budgets, MAX_SEQ), and nothing more: no publish. */
  write(message: WriteMessage, actor: Actor): Promise<WriteOutcome> {
    const key = { tenantId: message.tenantId, urlId: message.urlId };
    return this.store.write(key, writeTarget(message, actor), plannerFor({ kind: 'write', message, actor, limits: this.limits }));
  }

  /**
   * The whole life of a write: resolves with its outcome once it is stored durably (the caller acknowledges
   * it then), and publishes the stored event itself, tracked until the bus has it so that `settle` waits for
   * it. A bus failure after that is reported to `publishFailed`, never as an error of the write.
   * @example
   * const outcome = await service.commit(message, actor);
   * if (outcome.ok) outbox.send({ type: 'ack', broadcastId: message.broadcastId, seq: outcome.event.seq });
   */
  async commit(message: WriteMessage, actor: Actor): Promise<WriteOutcome> {
    const outcome = await this.track(this.write(message, actor));
    if (outcome.ok) this.track(this.publishAfterAck(outcome.event, outcome.webhooks));
    return outcome;
  }

  /**
   * Imports a plain export into `tenantId` (server/core/chat-import.ts) and publishes each stored chat as any
   * write's event, so the images' subscribers see the imported markers arrive live.
   * @example
   * const report = await service.importChats('acme-copy', parseChatExport(body)); // { imported, present, refused }
   */
  importChats(tenantId: string, exported: ChatExport): Promise<ImportReport> {
    return this.track(importChats(this.store, tenantId, exported, this.limits, (event) => { this.track(this.publishAfterAck(event)); }));
  }

  /**
   * Publishes one microtask later than `commit` resolves: the caller's ack is queued before the bus hands the
   * same event to this node (the in-process bus and the Redis bus's local delivery both do that on the next
   * microtask), so a writer reads its ack before its own event. test/integration/ack-order.test.ts holds it.
   */
  private async publishAfterAck(event: ImageEvent, webhooks?: boolean): Promise<void> {
    await Promise.resolve();
    await this.publish(event, webhooks).catch(this.publishFailed);
  }

  /** Counts a task as in flight until it settles, so `settle` waits for it. */
  track<T>(task: Promise<T>): Promise<T> {
    this.inFlight.add(task);
    const done = () => { this.inFlight.delete(task); };
    task.then(done, done);
    return task;
  }

  /** Resolves once every write in flight now is stored and published (or failed): for graceful shutdown. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Publishes a stored event to every node (this one included). Serialized once here. `webhooks`: see `WriteObserver`. */
  async publish(event: ImageEvent, webhooks?: boolean): Promise<void> {
    for (const observer of this.observers) observer.written(event, webhooks);
    // In its wire form (shared/event-wire.ts): what every node sends its subscribers as it is.
    await this.bus.publish(imageTopic(event), JSON.stringify(eventToWire(event)));
  }
}
