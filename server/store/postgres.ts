/**
 * The PostgreSQL store, for many nodes sharing one database. Same semantics as SQLite (the store contract
 * suite runs against both): each write's check, change, seq and event-log entry happen in one transaction
 * that first locks the image's row (`SELECT … FOR UPDATE`), so concurrent writers to one image, on any
 * node, get distinct, gap-free seqs. Writes that queue for one image on one node share a transaction
 * (group commit, see postgres-write.ts), so a busy image is not limited to one commit per write. A read is
 * one statement (postgres-read.ts), so a snapshot's chats and its seq always agree, and it never writes: an
 * image's row is made by its first stored write.
 *
 * When PostgreSQL is unreachable every call rejects promptly (connection timeout), the caller answers
 * `unavailable`, and nothing crashes: pool and client errors are handled.
 *
 * @example
 * const store = new PostgresStore({ url: 'postgres://image_chat@127.0.0.1:5432/image_chat', eventLogKeep: 1000 });
 * await store.init();
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { imageTopic, parseStoredRules, type ImageEvent, type ImageKey, type TenantRules } from '../../shared/index.js';
import { KeyedBatcher } from './write-batcher.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';
import { readImage } from './postgres-read.js';
import { Gate } from './gate.js';
import { beginAndLock, storeAndCommit } from './postgres-write.js';
import { planBatch, type PendingWrite } from './postgres-batch.js';
import { readUnwritten, STORE_EPOCH_SETTING } from './replay.js';
import type { CommentPage, CommentQuery, IdempotencyClaim, IdempotencyState, ImagePage, ImageUsage, LiveUsage, NewTenant, ReadResult, SecretChange, Store, Tenant, UsageDay, UsageFlush } from './types.js';
import type { WriteContext, WriteOutcome, WritePlan, WriteTarget } from '../core/write-plan.js';
import * as usage from './postgres-usage.js';
import * as api from './postgres-api.js';
import * as webhooks from './postgres-webhooks.js';
import { tenantRemoval, type TenantChange } from './tenant-removal.js';
import type { ClaimedDelivery, DeliveryClaim, DeliveryPage, DeliveryResult, WebhookEndpoint, WebhookEndpointChange } from './webhook-types.js';

interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Events kept per image for replay. */
  eventLogKeep: number;
  /** Pool size per node. */
  poolSize?: number;
}

/** Connections per node: writes hold one only for a few statements, and several nodes share the server. */
const DEFAULT_POOL_SIZE = 10;
/** How long a call waits for a connection: short, so an outage answers `unavailable` instead of hanging. */
const CONNECT_TIMEOUT_MS = 3000;
/** No statement runs longer than this; a stuck lock or server becomes an error, not a hung client. */
const STATEMENT_TIMEOUT_MS = 10_000;
/** Most writes to one image stored in one transaction: bounds a transaction's size and its first write's wait. */
const MAX_WRITE_BATCH = 100;
/** Pool connections kept free of the busy paths (reads, writes) for tenants, settings, usage and /readyz. */
const RESERVED_CONNECTIONS = 2;
/** Busy-path calls that may wait for a connection; beyond this they fail at once (`unavailable`). */
const MAX_QUEUED_REQUESTS = 50_000;
/** How long a busy-path call may wait for a connection: a resubscribe storm drains well within it. */
const MAX_QUEUE_WAIT_MS = 15_000;
/** Any number; two nodes migrating at once take turns on this advisory lock. */
const MIGRATION_LOCK_ID = 0x1a6ec4a7;

interface TenantRow {
  id: string; name: string; origins: string[]; created_at: number;
  rules: string | null; sso_key: string | null; previous_sso_key: string | null; previous_sso_key_until: number;
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id, name: row.name, origins: row.origins, createdAt: Number(row.created_at), rules: parseStoredRules(row.rules),
  ssoKeys: { current: row.sso_key, previous: row.previous_sso_key, previousUntil: Number(row.previous_sso_key_until) },
});

const TENANT_COLUMNS = 'id, name, origins, created_at::float8 AS created_at, rules, sso_key, previous_sso_key, previous_sso_key_until::float8 AS previous_sso_key_until';

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  /** Subscribes, replays, probes and writes queue here, leaving pool room for everything else. */
  private readonly gate: Gate;
  private readonly batcher = new KeyedBatcher<PendingWrite, WriteOutcome>(MAX_WRITE_BATCH, (_topic, writes) => this.writeBatch(writes));
  /** This database's epoch (a setting made once, shared by all nodes): what images never written answer. Set by `init`. */
  private storeEpoch: string | undefined;

  constructor(private readonly options: PostgresStoreOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
    });
    // An idle client whose server went away emits here; without a listener the process would crash.
    this.pool.on('error', () => {});
    const poolSize = options.poolSize ?? DEFAULT_POOL_SIZE;
    this.gate = new Gate({ concurrency: Math.max(1, poolSize - RESERVED_CONNECTIONS), maxWaiting: MAX_QUEUED_REQUESTS, maxWaitMs: MAX_QUEUE_WAIT_MS });
  }

  async init(): Promise<void> {
    await this.transaction(async (client) => {
      // A migration of a large database, or the wait for another node's, may take longer than any query should.
      await client.query('SET LOCAL statement_timeout = 0');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const [index, migration] of POSTGRES_MIGRATIONS.entries()) {
        const version = index + 1;
        if (applied.has(version)) continue;
        if (typeof migration === 'string') await client.query(migration);
        else await migration(client);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
      }
    });
    this.storeEpoch = await this.getOrCreateSetting(STORE_EPOCH_SETTING, randomUUID);
  }

  private epoch(): string {
    if (this.storeEpoch === undefined) throw new Error('PostgresStore: call init() before use');
    return this.storeEpoch;
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const { rows } = await this.pool.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1`, [id]);
    return rows[0] ? toTenant(rows[0]) : null;
  }

  async createTenant(tenant: NewTenant): Promise<boolean> {
    const result = await this.pool.query(
      'INSERT INTO tenants (id, name, origins, secret_hash, sso_key, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING',
      [tenant.id, tenant.name, JSON.stringify(tenant.origins), tenant.secretHash, tenant.ssoKey ?? null, Date.now()],
    );
    return result.rowCount === 1;
  }

  async listTenants(): Promise<Tenant[]> {
    const { rows } = await this.pool.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`);
    return rows.map(toTenant);
  }

  async getTenantSecretHash(id: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ secret_hash: string }>('SELECT secret_hash FROM tenants WHERE id = $1', [id]);
    return rows[0]?.secret_hash ?? null;
  }

  async rotateTenantSecret(id: string, change: SecretChange): Promise<boolean> {
    const keep = change.keepPreviousUntil > 0;
    const result = await this.pool.query(
      `UPDATE tenants SET secret_hash = $1, previous_sso_key = CASE WHEN $2 THEN sso_key ELSE NULL END, previous_sso_key_until = $3,
        sso_key = $4 WHERE id = $5`,
      [change.secretHash, keep, keep ? change.keepPreviousUntil : 0, change.ssoKey, id],
    );
    return result.rowCount === 1;
  }

  async updateTenant(id: string, change: TenantChange): Promise<boolean> {
    const result = await this.pool.query('UPDATE tenants SET name = coalesce($1, name), origins = coalesce($2::jsonb, origins) WHERE id = $3',
      [change.name ?? null, change.origins === undefined ? null : JSON.stringify(change.origins), id]);
    return result.rowCount === 1;
  }

  async deleteTenant(id: string): Promise<boolean> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        // The tenant's row first, locked: a concurrent write to its images waits, then finds no tenant.
        const locked = await client.query('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [id]);
        if (locked.rowCount !== 1) {
          await client.query('ROLLBACK');
          return false;
        }
        for (const statement of tenantRemoval('$1')) await client.query(statement, [id]);
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  async setTenantRules(id: string, rules: TenantRules): Promise<boolean> {
    const result = await this.pool.query('UPDATE tenants SET rules = $1 WHERE id = $2', [JSON.stringify(rules), id]);
    return result.rowCount === 1;
  }

  async read(key: ImageKey, since?: number, epoch?: string): Promise<ReadResult> {
    return this.gate.run(async () => {
      const found = await readImage(this.pool, key, since, epoch);
      if (found) return found;
      // Never written: answered without storing anything; the first write makes the row with this epoch.
      return readUnwritten(this.epoch(), since, epoch);
    });
  }

  async headSeq(key: ImageKey): Promise<number> {
    return this.gate.run(async () => {
      const { rows } = await this.pool.query<{ seq: string | number }>('SELECT seq FROM images WHERE tenant_id = $1 AND url_id = $2', [key.tenantId, key.urlId]);
      return rows[0] ? Number(rows[0].seq) : 0;
    });
  }

  async eventsBetween(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null> {
    return this.gate.run(() => this.events(this.pool, key, after, upTo));
  }

  async write(key: ImageKey, target: WriteTarget, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome> {
    // Writes to one image queue here (not on the row lock, which would hold a pooled connection each) and
    // go in batches: one transaction, one commit, consecutive seqs.
    return this.batcher.add(imageTopic(key), { key, target, plan });
  }

  /** One transaction for a batch of writes to one image; its row lock serializes them with every other node's. */
  private async writeBatch(writes: PendingWrite[]): Promise<WriteOutcome[]> {
    const key = writes[0]!.key;
    return this.gate.run(() => this.withClient(async (client) => {
      const state = await beginAndLock(client, key, this.epoch(), writes);
      const { outcomes, change } = planBatch(state, writes);
      // Nothing to store: the rollback also takes back an image row made for this batch.
      if (change.events.length === 0) await client.query('ROLLBACK');
      else await storeAndCommit(client, key, change, change.image.seq - this.options.eventLogKeep);
      return outcomes;
    }));
  }

  async findTenantBySecretHash(secretHash: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM tenants WHERE secret_hash = $1', [secretHash]);
    return rows[0]?.id ?? null;
  }

  async addUsage(flush: UsageFlush): Promise<void> {
    await this.transaction((client) => usage.addUsage(client, flush));
  }

  async readUsage(tenantId: string, from: string, to: string): Promise<UsageDay[]> {
    return usage.readUsage(this.pool, tenantId, from, to);
  }

  async readTopImages(tenantId: string, from: string, to: string, limit: number): Promise<ImageUsage[]> {
    return usage.readTopImages(this.pool, tenantId, from, to, limit);
  }

  async readLive(tenantId: string, freshSince: number): Promise<LiveUsage> {
    return usage.readLive(this.pool, tenantId, freshSince);
  }

  async listImages(tenantId: string, after: string | null, limit: number): Promise<ImagePage> {
    return api.listImages(this.pool, tenantId, after, limit);
  }

  async searchComments(tenantId: string, query: CommentQuery): Promise<CommentPage> {
    return api.searchComments(this.pool, tenantId, query);
  }

  async claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyState> {
    return api.claimIdempotencyKey(this.pool, claim);
  }

  async findEventByBroadcastId(key: ImageKey, broadcastId: string): Promise<ImageEvent | null> {
    return api.findEventByBroadcastId(this.pool, key, broadcastId);
  }

  async finishIdempotencyKey(tenantId: string, key: string, answer: string | null): Promise<void> {
    await api.finishIdempotencyKey(this.pool, tenantId, key, answer);
  }

  async createWebhookEndpoint(endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean> {
    return webhooks.createWebhookEndpoint(this.pool, endpoint, maxPerTenant);
  }

  async listWebhookEndpoints(tenantId: string): Promise<WebhookEndpoint[]> {
    return webhooks.listWebhookEndpoints(this.pool, tenantId);
  }

  async getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint | null> {
    return webhooks.getWebhookEndpoint(this.pool, tenantId, id);
  }

  async updateWebhookEndpoint(tenantId: string, id: string, change: WebhookEndpointChange): Promise<boolean> {
    return webhooks.updateWebhookEndpoint(this.pool, tenantId, id, change);
  }

  async deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean> {
    return webhooks.deleteWebhookEndpoint(this.pool, tenantId, id);
  }

  async claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    return webhooks.claimWebhookDeliveries(this.pool, claim);
  }

  async finishWebhookDelivery(result: DeliveryResult): Promise<void> {
    await webhooks.finishWebhookDelivery(this.pool, result);
  }

  async listWebhookDeliveries(tenantId: string, endpointId: string, before: string | null, limit: number): Promise<DeliveryPage> {
    return webhooks.listWebhookDeliveries(this.pool, tenantId, endpointId, before, limit);
  }

  async resendWebhookDelivery(tenantId: string, endpointId: string, deliveryId: string, now: number): Promise<boolean> {
    return webhooks.resendWebhookDelivery(this.pool, tenantId, endpointId, deliveryId, now);
  }

  async pruneWebhookDeliveries(before: number): Promise<number> {
    return webhooks.pruneWebhookDeliveries(this.pool, before);
  }

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    await this.pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, create()]);
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE name = $1', [name]);
    if (!rows[0]) throw new Error(`setting "${name}" vanished`);
    return rows[0].value;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.pool.ending) return;
    await this.pool.end();
  }

  private async events(db: pg.Pool, key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null> {
    if (upTo <= after) return [];
    const { rows } = await db.query<{ body: ImageEvent }>(
      'SELECT body FROM events WHERE tenant_id = $1 AND url_id = $2 AND seq > $3 AND seq <= $4 ORDER BY seq', [key.tenantId, key.urlId, after, upTo]);
    // Fewer rows than seqs means the oldest were pruned: the caller must take a snapshot instead.
    return rows.length === upTo - after ? rows.map((r) => r.body) : null;
  }

  /**
   * Runs `work` on one pooled client that manages its own transaction; on failure the transaction is rolled
   * back and the client discarded, not reused.
   */
  private async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const onError = () => {};
    client.on('error', onError);
    let failure: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.off('error', onError);
      client.release(failure);
    }
  }

  /** Runs `work` in one transaction on one pooled client; a client that failed is discarded, not reused. */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    return this.withClient(async (client) => {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    });
  }
}
