/**
 * The SQLite store as the main thread sees it: every call goes as a message to a worker thread that owns the
 * database (sqlite-worker-host.ts), so no statement, and no commit's fsync, ever runs on the event loop that
 * sends frames. Group commit, `synchronous = FULL`, the order of writes and ack-after-durable are the worker's
 * (the same SqliteStore code as before); a write resolves here only after its transaction committed there.
 *
 * A worker that crashes or cannot start fails every pending and later call with StoreWorkerStopped, and
 * tells `onFailure` (the node logs it and exits; `/readyz` answers 503 meanwhile).
 *
 * @example
 * const store = new SqliteWorkerStore({ path: './data/image-chat.db', eventLogKeep: 1000 });
 * await store.init();
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { ImageEvent, ImageKey, TenantRules } from '../../shared/index.js';
import type { WriteContext, WriteOutcome, WritePlan, WriteTarget } from '../core/write-plan.js';
import type {
  CommentPage, CommentQuery, IdempotencyClaim, IdempotencyState, ImagePage, ImageUsage, LiveUsage, NewTenant, ReadResult, SecretChange,
  Store, Tenant, UsageDay, UsageFlush,
} from './types.js';
import type { TenantChange } from './tenant-removal.js';
import type { ClaimedDelivery, DeliveryClaim, DeliveryPage, DeliveryResult, WebhookEndpoint, WebhookEndpointChange } from './webhook-types.js';
import type { CallMethod, CallMessage, PlanAnswer, PlanRequest, ResultMessage, SqliteWorkerData } from './sqlite-worker-protocol.js';
import { fromWireError, StoreWorkerStopped } from './sqlite-worker-errors.js';
import { workerScript } from './worker-script.js';
import { recipeOf } from '../core/plan-recipe.js';

export interface SqliteWorkerStoreOptions {
  /** Path of the database file; ":memory:" for a throwaway store (private to this store's worker). */
  path: string;
  /** Events kept per image for replay. */
  eventLogKeep: number;
  /** Told once if the worker stops other than by `close()`. */
  onFailure?: (error: StoreWorkerStopped) => void;
  /** The worker's script; tests pass one with test hooks (test/helpers/sqlite-test-worker.ts). */
  script?: URL;
  /** The worker's young generation, in MiB (WORKER_YOUNG_GENERATION_MB unless set; 0: V8's default). */
  youngGenerationMb?: number;
}

/**
 * The worker's young generation, in MiB. V8's default lets it grow to tens of MiB under a burst of reads (10,000
 * subscribers arriving), and it stays committed: in `npm run bench`, 0.5–0.7 KiB of RSS per idle connection
 * (docs/benchmarks.md, "Memory per idle connection"). The cost: the largest snapshot reads take up to a third
 * longer in the worker; small ones, and writes, are unchanged.
 */
export const WORKER_YOUNG_GENERATION_MB = 2;

interface Pending { resolve(value: unknown): void; reject(error: unknown): void }

const PRODUCT_WORKER = new URL('./sqlite-worker.js', import.meta.url);

export class SqliteWorkerStore implements Store {
  private readonly started: Promise<Worker>;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  /** The planners of writes sent and not yet answered, by call id: the worker asks for them mid-transaction. */
  private readonly planners = new Map<number, (context: WriteContext) => WritePlan>();
  /** What a planner threw, by call id, until its write's answer comes back (the caller gets this error). */
  private readonly plannerErrors = new Map<number, unknown>();
  private nextId = 1;
  /** Set once the worker stopped or close() began: later calls reject with it. */
  private stopped: Error | undefined;
  private closing: Promise<void> | undefined;
  private readonly planSignal = new SharedArrayBuffer(4);

  constructor(private readonly options: SqliteWorkerStoreOptions) {
    this.started = this.start();
    // A start that fails is reported through the calls waiting for it; never an unhandled rejection here.
    this.started.catch(() => undefined);
  }

  private async start(): Promise<Worker> {
    const script = await workerScript(this.options.script ?? PRODUCT_WORKER);
    const plans = new MessageChannel();
    const workerData: SqliteWorkerData = {
      path: this.options.path, eventLogKeep: this.options.eventLogKeep, planSignal: this.planSignal, planPort: plans.port2,
    };
    const youngMb = this.options.youngGenerationMb ?? WORKER_YOUNG_GENERATION_MB;
    const resourceLimits = youngMb > 0 ? { maxYoungGenerationSizeMb: youngMb } : {};
    const worker = new Worker(script, { workerData, transferList: [plans.port2], resourceLimits });
    this.worker = worker;
    worker.on('message', (message: ResultMessage) => this.answered(message));
    plans.port1.on('message', (request: PlanRequest) => this.plan(plans.port1, request));
    plans.port1.unref();
    worker.on('error', (error) => this.fail(`the SQLite store's worker failed: ${error.message}`));
    worker.on('exit', (code) => {
      plans.port1.close();
      if (!this.closing) this.fail(`the SQLite store's worker exited (code ${code})`);
    });
    this.refWhileBusy();
    return worker;
  }

  /** Runs a write's planner for the worker, which is blocked in its transaction until the answer comes. */
  private plan(port: MessagePort, request: PlanRequest): void {
    const planner = this.planners.get(request.id);
    let answer: PlanAnswer;
    try {
      if (!planner) throw new Error(`no planner for write ${request.id}`);
      answer = { plan: planner(request.context) };
    } catch (error) {
      this.plannerErrors.set(request.id, error);
      answer = { threw: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(answer);
    const signal = new Int32Array(this.planSignal);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  }

  private answered(message: ResultMessage): void {
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    this.planners.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(fromWireError(message.error, this.plannerErrors));
    this.plannerErrors.delete(message.id);
    this.refWhileBusy();
  }

  private fail(reason: string): void {
    if (this.stopped instanceof StoreWorkerStopped) return;
    const error = new StoreWorkerStopped(`${reason}; this node cannot read or store until it restarts`);
    this.stopped = error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    this.planners.clear();
    this.plannerErrors.clear();
    this.options.onFailure?.(error);
  }

  /**
   * The worker keeps the process alive only while calls wait for it, like a socket with requests in flight, and
   * while it closes: `close()` resolves on its exit, which an unref'd worker would never let the process see.
   */
  private refWhileBusy(): void {
    if (this.pending.size > 0 || this.closing) this.worker?.ref();
    else this.worker?.unref();
  }

  private call<T>(method: CallMethod, args: unknown[], planner?: (context: WriteContext) => WritePlan): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    if (planner) this.planners.set(id, planner);
    // Sent in call order once the worker exists: the worker takes them in that order (writes keep their order).
    this.started.then((worker) => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      try {
        worker.postMessage({ id, method, args } satisfies CallMessage);
      } catch (error) {
        // Arguments that cannot be cloned (a function, say): this call fails, the worker never hears of it.
        this.pending.delete(id);
        this.planners.delete(id);
        waiting.reject(error);
      }
      this.refWhileBusy();
    }, (error: unknown) => this.fail(`the SQLite store's worker could not start: ${error instanceof Error ? error.message : String(error)}`));
    return answer;
  }

  init(): Promise<void> { return this.call('init', []); }
  getTenant(id: string): Promise<Tenant | null> { return this.call('getTenant', [id]); }
  createTenant(tenant: NewTenant): Promise<boolean> { return this.call('createTenant', [tenant]); }
  listTenants(): Promise<Tenant[]> { return this.call('listTenants', []); }
  getTenantSecretHash(id: string): Promise<string | null> { return this.call('getTenantSecretHash', [id]); }
  rotateTenantSecret(id: string, change: SecretChange): Promise<boolean> { return this.call('rotateTenantSecret', [id, change]); }
  updateTenant(id: string, change: TenantChange): Promise<boolean> { return this.call('updateTenant', [id, change]); }
  deleteTenant(id: string): Promise<boolean> { return this.call('deleteTenant', [id]); }
  setTenantRules(id: string, rules: TenantRules): Promise<boolean> { return this.call('setTenantRules', [id, rules]); }
  read(key: ImageKey, since?: number, epoch?: string): Promise<ReadResult> { return this.call('read', [key, since, epoch]); }
  headSeq(key: ImageKey): Promise<number> { return this.call('headSeq', [key]); }
  eventsBetween(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null> { return this.call('eventsBetween', [key, after, upTo]); }

  /**
   * Resolves once the worker committed the write durably (its group's fsync is done). A planner made by
   * `plannerFor` goes as its recipe and runs in the worker; any other planner runs here, asked mid-transaction.
   */
  write(key: ImageKey, target: WriteTarget, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome> {
    const recipe = recipeOf(plan);
    return recipe ? this.call('write', [key, target, recipe]) : this.call('write', [key, target, null], plan);
  }

  findTenantBySecretHash(secretHash: string): Promise<string | null> { return this.call('findTenantBySecretHash', [secretHash]); }
  addUsage(flush: UsageFlush): Promise<void> { return this.call('addUsage', [flush]); }
  readUsage(tenantId: string, from: string, to: string): Promise<UsageDay[]> { return this.call('readUsage', [tenantId, from, to]); }
  readTopImages(tenantId: string, from: string, to: string, limit: number): Promise<ImageUsage[]> { return this.call('readTopImages', [tenantId, from, to, limit]); }
  readLive(tenantId: string, freshSince: number): Promise<LiveUsage> { return this.call('readLive', [tenantId, freshSince]); }
  listImages(tenantId: string, after: string | null, limit: number): Promise<ImagePage> { return this.call('listImages', [tenantId, after, limit]); }
  searchComments(tenantId: string, query: CommentQuery): Promise<CommentPage> { return this.call('searchComments', [tenantId, query]); }
  claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyState> { return this.call('claimIdempotencyKey', [claim]); }
  findEventByBroadcastId(key: ImageKey, broadcastId: string): Promise<ImageEvent | null> { return this.call('findEventByBroadcastId', [key, broadcastId]); }
  finishIdempotencyKey(tenantId: string, key: string, answer: string | null): Promise<void> { return this.call('finishIdempotencyKey', [tenantId, key, answer]); }
  createWebhookEndpoint(endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean> { return this.call('createWebhookEndpoint', [endpoint, maxPerTenant]); }
  listWebhookEndpoints(tenantId: string): Promise<WebhookEndpoint[]> { return this.call('listWebhookEndpoints', [tenantId]); }
  getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint | null> { return this.call('getWebhookEndpoint', [tenantId, id]); }
  updateWebhookEndpoint(tenantId: string, id: string, change: WebhookEndpointChange): Promise<boolean> { return this.call('updateWebhookEndpoint', [tenantId, id, change]); }
  deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean> { return this.call('deleteWebhookEndpoint', [tenantId, id]); }
  claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> { return this.call('claimWebhookDeliveries', [claim]); }
  finishWebhookDelivery(result: DeliveryResult): Promise<void> { return this.call('finishWebhookDelivery', [result]); }
  listWebhookDeliveries(tenantId: string, endpointId: string, before: string | null, limit: number): Promise<DeliveryPage> {
    return this.call('listWebhookDeliveries', [tenantId, endpointId, before, limit]);
  }
  resendWebhookDelivery(tenantId: string, endpointId: string, deliveryId: string, now: number): Promise<boolean> {
    return this.call('resendWebhookDelivery', [tenantId, endpointId, deliveryId, now]);
  }
  pruneWebhookDeliveries(before: number): Promise<number> { return this.call('pruneWebhookDeliveries', [before]); }

  /** `create` runs here, on the main thread; the worker keeps the first value ever stored. */
  getOrCreateSetting(name: string, create: () => string): Promise<string> {
    return this.call('getOrCreateSetting', [name, create()]);
  }

  ping(): Promise<void> { return this.call('ping', []); }

  /** Waits for the writes already sent to commit and be answered, closes the database and ends the worker. */
  close(): Promise<void> {
    this.closing ??= this.closeWorker();
    return this.closing;
  }

  private async closeWorker(): Promise<void> {
    if (this.stopped) return;
    const worker = await this.started.catch(() => undefined);
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const closed = this.call<void>('close', []);
    this.stopped = new Error('the store is closed');
    await closed;
    await exited;
  }

  /** A test worker's hook (test/helpers/sqlite-test-worker.ts); the product's worker has none. */
  testHook(name: string, ...args: unknown[]): Promise<unknown> {
    return this.call(`test:${name}`, args);
  }
}
