/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Writes are serialized by SQLite itself;
 * each write's check, change, seq and event-log entry happen in one IMMEDIATE transaction, so an ack
 * (sent after `write` resolves) means the write is on disk (sqlite-write.ts). Reads never write.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { parseStoredRules, type Chat, type Comment, type ImageEvent, type ImageKey, type TenantRules } from '../../shared/index.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { SqliteWriter } from './sqlite-write.js';
import { readUnwritten, replayFrom, STORE_EPOCH_SETTING } from './replay.js';
import type { CommentPage, CommentQuery, IdempotencyClaim, IdempotencyState, ImagePage, ImageUsage, LiveUsage, NewTenant, ReadResult, SecretChange, Store, Tenant, UsageDay, UsageFlush } from './types.js';
import type { WriteContext, WriteOutcome, WritePlan, WriteTarget } from '../core/write-plan.js';
import * as usage from './sqlite-usage.js';
import * as api from './sqlite-api.js';
import { MARKER_COLUMNS, toMarker, type MarkerRow } from './row-change.js';
import * as webhooks from './sqlite-webhooks.js';
import { tenantRemoval, type TenantChange } from './tenant-removal.js';
import type { ClaimedDelivery, DeliveryClaim, DeliveryPage, DeliveryResult, WebhookEndpoint, WebhookEndpointChange } from './webhook-types.js';

interface TenantRow {
  id: string; name: string; origins: string; created_at: number;
  rules: string | null; sso_key: string | null; previous_sso_key: string | null; previous_sso_key_until: number;
}

const TENANT_COLUMNS = 'id, name, origins, created_at, rules, sso_key, previous_sso_key, previous_sso_key_until';

interface SqliteStoreOptions {
  /** Path of the database file; ":memory:" for a throwaway store. */
  path: string;
  /** Events kept per image for replay. */
  eventLogKeep: number;
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id, name: row.name, origins: JSON.parse(row.origins) as string[], createdAt: row.created_at, rules: parseStoredRules(row.rules),
  ssoKeys: { current: row.sso_key, previous: row.previous_sso_key, previousUntil: row.previous_sso_key_until },
});

const IMAGE = 'tenant_id = ? AND url_id = ?';

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly writer: SqliteWriter;
  /** This database's epoch (a setting made once): what images never written answer. Set by `init`. */
  private storeEpoch: string | undefined;

  constructor(private readonly options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is fsynced before the ack goes out, so a power cut loses no acknowledged write.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.writer = new SqliteWriter(this.db, (text) => this.sql(text), options.eventLogKeep, () => this.epoch());
  }

  /** A prepared statement, made once per SQL text: preparing on every write cost more than running it. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private epoch(): string {
    if (this.storeEpoch === undefined) throw new Error('SqliteStore: call init() before use');
    return this.storeEpoch;
  }

  async init(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    SQLITE_MIGRATIONS.forEach((migration, index) => {
      const version = index + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        if (typeof migration === 'string') this.db.exec(migration);
        else migration(this.db);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      })();
    });
    this.storeEpoch = await this.getOrCreateSetting(STORE_EPOCH_SETTING, randomUUID);
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const row = this.db.prepare(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = ?`).get(id) as TenantRow | undefined;
    return row ? toTenant(row) : null;
  }

  async createTenant(tenant: NewTenant): Promise<boolean> {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO tenants (id, name, origins, secret_hash, sso_key, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(tenant.id, tenant.name, JSON.stringify(tenant.origins), tenant.secretHash, tenant.ssoKey ?? null, Date.now());
    return result.changes === 1;
  }

  async listTenants(): Promise<Tenant[]> {
    return (this.db.prepare(`SELECT ${TENANT_COLUMNS} FROM tenants ORDER BY created_at, id`).all() as TenantRow[]).map(toTenant);
  }

  async getTenantSecretHash(id: string): Promise<string | null> {
    const row = this.db.prepare('SELECT secret_hash FROM tenants WHERE id = ?').get(id) as { secret_hash: string } | undefined;
    return row?.secret_hash ?? null;
  }

  async rotateTenantSecret(id: string, change: SecretChange): Promise<boolean> {
    const keep = change.keepPreviousUntil > 0;
    return this.db.prepare(`UPDATE tenants SET secret_hash = ?, previous_sso_key = CASE WHEN ? THEN sso_key ELSE NULL END,
      previous_sso_key_until = ?, sso_key = ? WHERE id = ?`).run(change.secretHash, keep ? 1 : 0, keep ? change.keepPreviousUntil : 0, change.ssoKey, id).changes === 1;
  }

  async updateTenant(id: string, change: TenantChange): Promise<boolean> {
    const row = this.db.prepare('SELECT name, origins FROM tenants WHERE id = ?').get(id) as { name: string; origins: string } | undefined;
    if (!row) return false;
    const origins = change.origins === undefined ? row.origins : JSON.stringify(change.origins);
    return this.db.prepare('UPDATE tenants SET name = ?, origins = ? WHERE id = ?').run(change.name ?? row.name, origins, id).changes === 1;
  }

  async deleteTenant(id: string): Promise<boolean> {
    // After the queued writes: none of them may land between the tables emptied here.
    await this.writer.idle();
    return this.db.transaction((): boolean => {
      let removed = 0;
      for (const statement of tenantRemoval('?')) removed = this.db.prepare(statement).run(id).changes;
      return removed === 1;
    }).immediate();
  }

  async setTenantRules(id: string, rules: TenantRules): Promise<boolean> {
    return this.db.prepare('UPDATE tenants SET rules = ? WHERE id = ?').run(JSON.stringify(rules), id).changes === 1;
  }

  private events(key: ImageKey, after: number, upTo: number): ImageEvent[] | null {
    if (upTo <= after) return [];
    const rows = this
      .sql(`SELECT body FROM events WHERE ${IMAGE} AND seq > ? AND seq <= ? ORDER BY seq`)
      .all(key.tenantId, key.urlId, after, upTo) as { body: string }[];
    // Fewer rows than seqs means the oldest were pruned: the caller must take a snapshot instead.
    return rows.length === upTo - after ? rows.map((r) => JSON.parse(r.body) as ImageEvent) : null;
  }

  /** The image's chats, each with its thread: chats by creation, comments in the order they were added. */
  private snapshot(key: ImageKey): Chat[] {
    const threads = new Map<string, Comment[]>();
    const comments = this.sql(`SELECT chat_id, body FROM comments WHERE ${IMAGE} ORDER BY chat_id, ordinal`).all(key.tenantId, key.urlId) as { chat_id: string; body: string }[];
    for (const row of comments) {
      const thread = threads.get(row.chat_id) ?? [];
      thread.push(JSON.parse(row.body) as Comment);
      threads.set(row.chat_id, thread);
    }
    const chats = this.sql(`SELECT ${MARKER_COLUMNS} FROM chats WHERE ${IMAGE} ORDER BY created_at, id`).all(key.tenantId, key.urlId) as MarkerRow[];
    return chats.map((row) => ({ ...toMarker(row), comments: threads.get(row.id) ?? [] }));
  }

  async read(key: ImageKey, since?: number, epoch?: string): Promise<ReadResult> {
    const replay = replayFrom(since, epoch);
    return this.db.transaction((): ReadResult => {
      const image = this.sql(`SELECT seq, epoch FROM images WHERE ${IMAGE}`).get(key.tenantId, key.urlId) as { seq: number; epoch: string } | undefined;
      // Never written: answered without storing anything; the first write makes the row with this epoch.
      if (!image) return readUnwritten(this.epoch(), since, epoch);
      if (replay && replay.epoch === image.epoch && replay.since <= image.seq) {
        const events = this.events(key, replay.since, image.seq);
        if (events) return { reset: false, seq: image.seq, epoch: image.epoch, events };
      }
      return { reset: true, seq: image.seq, epoch: image.epoch, chats: this.snapshot(key) };
    })();
  }

  async headSeq(key: ImageKey): Promise<number> {
    const row = this.sql(`SELECT seq FROM images WHERE ${IMAGE}`).get(key.tenantId, key.urlId) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  async eventsBetween(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null> {
    return this.events(key, after, upTo);
  }

  /** One write in the next group commit (sqlite-write.ts). */
  write(key: ImageKey, target: WriteTarget, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome> {
    return this.writer.write(key, target, plan);
  }

  async findTenantBySecretHash(secretHash: string): Promise<string | null> {
    const row = this.db.prepare('SELECT id FROM tenants WHERE secret_hash = ?').get(secretHash) as { id: string } | undefined;
    return row?.id ?? null;
  }

  async addUsage(flush: UsageFlush): Promise<void> {
    usage.addUsage(this.db, flush);
  }

  async readUsage(tenantId: string, from: string, to: string): Promise<UsageDay[]> {
    return usage.readUsage(this.db, tenantId, from, to);
  }

  async readTopImages(tenantId: string, from: string, to: string, limit: number): Promise<ImageUsage[]> {
    return usage.readTopImages(this.db, tenantId, from, to, limit);
  }

  async readLive(tenantId: string, freshSince: number): Promise<LiveUsage> {
    return usage.readLive(this.db, tenantId, freshSince);
  }

  async listImages(tenantId: string, after: string | null, limit: number): Promise<ImagePage> {
    return api.listImages(this.db, tenantId, after, limit);
  }

  async searchComments(tenantId: string, query: CommentQuery): Promise<CommentPage> {
    return api.searchComments(this.db, tenantId, query);
  }

  async claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyState> {
    return api.claimIdempotencyKey(this.db, claim);
  }

  async findEventByBroadcastId(key: ImageKey, broadcastId: string): Promise<ImageEvent | null> {
    return api.findEventByBroadcastId(this.db, key, broadcastId);
  }

  async finishIdempotencyKey(tenantId: string, key: string, answer: string | null): Promise<void> {
    api.finishIdempotencyKey(this.db, tenantId, key, answer);
  }

  async createWebhookEndpoint(endpoint: WebhookEndpoint, maxPerTenant: number): Promise<boolean> {
    return webhooks.createWebhookEndpoint(this.db, endpoint, maxPerTenant);
  }

  async listWebhookEndpoints(tenantId: string): Promise<WebhookEndpoint[]> {
    return webhooks.listWebhookEndpoints(this.db, tenantId);
  }

  async getWebhookEndpoint(tenantId: string, id: string): Promise<WebhookEndpoint | null> {
    return webhooks.getWebhookEndpoint(this.db, tenantId, id);
  }

  async updateWebhookEndpoint(tenantId: string, id: string, change: WebhookEndpointChange): Promise<boolean> {
    return webhooks.updateWebhookEndpoint(this.db, tenantId, id, change);
  }

  async deleteWebhookEndpoint(tenantId: string, id: string): Promise<boolean> {
    return webhooks.deleteWebhookEndpoint(this.db, tenantId, id);
  }

  async claimWebhookDeliveries(claim: DeliveryClaim): Promise<ClaimedDelivery[]> {
    return webhooks.claimWebhookDeliveries(this.db, claim);
  }

  async finishWebhookDelivery(result: DeliveryResult): Promise<void> {
    webhooks.finishWebhookDelivery(this.db, result);
  }

  async listWebhookDeliveries(tenantId: string, endpointId: string, before: string | null, limit: number): Promise<DeliveryPage> {
    return webhooks.listWebhookDeliveries(this.db, tenantId, endpointId, before, limit);
  }

  async resendWebhookDelivery(tenantId: string, endpointId: string, deliveryId: string, now: number): Promise<boolean> {
    return webhooks.resendWebhookDelivery(this.db, tenantId, endpointId, deliveryId, now);
  }

  async pruneWebhookDeliveries(before: number): Promise<number> {
    return webhooks.pruneWebhookDeliveries(this.db, before);
  }

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    this.db.prepare('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(name, create());
    return (this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: string }).value;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    // Writes already queued are committed (and answered) before the file closes.
    await this.writer.idle();
    if (this.db.open) this.db.close();
  }
}
