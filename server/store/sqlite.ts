/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Writes are serialized by SQLite itself;
 * each write's check, change, seq and event-log entry happen in one IMMEDIATE transaction, so an ack
 * (sent after `write` resolves) means the write is on disk.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Chat, ImageEvent, ImageKey } from '../../shared/index.js';
import { applyEventToChat } from '../../shared/index.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import type {
  ImageUsage, LiveUsage, NewTenant, ReadResult, Store, Tenant, UsageDay, UsageFlush, WriteContext, WriteOutcome, WritePlan,
} from './types.js';
import * as usage from './sqlite-usage.js';

interface TenantRow { id: string; name: string; origins: string; created_at: number }
interface ImageRow { seq: number; epoch: string; chat_count: number }

export interface SqliteStoreOptions {
  /** Path of the database file; ":memory:" for a throwaway store. */
  path: string;
  /** Events kept per image for replay. */
  eventLogKeep: number;
}

const toTenant = (row: TenantRow): Tenant => ({ id: row.id, name: row.name, origins: JSON.parse(row.origins) as string[], createdAt: row.created_at });

interface QueuedWrite {
  key: ImageKey;
  chatId: string | null;
  plan: (context: WriteContext) => WritePlan;
  resolve(outcome: WriteOutcome): void;
  reject(error: unknown): void;
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Writes waiting for the next group commit. */
  private queued: QueuedWrite[] = [];

  constructor(private readonly options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a commit is fsynced before the ack goes out, so a power cut loses no acknowledged write.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
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

  async init(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    SQLITE_MIGRATIONS.forEach((sql, index) => {
      const version = index + 1;
      if (applied.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
      })();
    });
  }

  async getTenant(id: string): Promise<Tenant | null> {
    const row = this.db.prepare('SELECT id, name, origins, created_at FROM tenants WHERE id = ?').get(id) as TenantRow | undefined;
    return row ? toTenant(row) : null;
  }

  async createTenant(tenant: NewTenant): Promise<boolean> {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO tenants (id, name, origins, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(tenant.id, tenant.name, JSON.stringify(tenant.origins), tenant.secretHash, Date.now());
    return result.changes === 1;
  }

  async listTenants(): Promise<Tenant[]> {
    return (this.db.prepare('SELECT id, name, origins, created_at FROM tenants ORDER BY created_at, id').all() as TenantRow[]).map(toTenant);
  }

  async getTenantSecretHash(id: string): Promise<string | null> {
    const row = this.db.prepare('SELECT secret_hash FROM tenants WHERE id = ?').get(id) as { secret_hash: string } | undefined;
    return row?.secret_hash ?? null;
  }

  async setTenantSecretHash(id: string, secretHash: string): Promise<boolean> {
    return this.db.prepare('UPDATE tenants SET secret_hash = ? WHERE id = ?').run(secretHash, id).changes === 1;
  }

  private image(key: ImageKey): ImageRow {
    this.sql('INSERT OR IGNORE INTO images (tenant_id, url_id, epoch) VALUES (?, ?, ?)').run(key.tenantId, key.urlId, randomUUID());
    return this.sql('SELECT seq, epoch, chat_count FROM images WHERE tenant_id = ? AND url_id = ?').get(key.tenantId, key.urlId) as ImageRow;
  }

  private events(key: ImageKey, after: number, upTo: number): ImageEvent[] | null {
    if (upTo <= after) return [];
    const rows = this
      .sql('SELECT body FROM events WHERE tenant_id = ? AND url_id = ? AND seq > ? AND seq <= ? ORDER BY seq')
      .all(key.tenantId, key.urlId, after, upTo) as { body: string }[];
    // Fewer rows than seqs means the oldest were pruned: the caller must take a snapshot instead.
    return rows.length === upTo - after ? rows.map((r) => JSON.parse(r.body) as ImageEvent) : null;
  }

  async read(key: ImageKey, since?: number, epoch?: string): Promise<ReadResult> {
    return this.db.transaction((): ReadResult => {
      const image = this.image(key);
      if (since !== undefined && epoch === image.epoch && since <= image.seq) {
        const events = this.events(key, since, image.seq);
        if (events) return { reset: false, seq: image.seq, epoch: image.epoch, events };
      }
      const chats = (this
        .sql('SELECT body FROM chats WHERE tenant_id = ? AND url_id = ? ORDER BY created_at, id')
        .all(key.tenantId, key.urlId) as { body: string }[]).map((r) => JSON.parse(r.body) as Chat);
      return { reset: true, seq: image.seq, epoch: image.epoch, chats };
    })();
  }

  async headSeq(key: ImageKey): Promise<number> {
    const row = this.sql('SELECT seq FROM images WHERE tenant_id = ? AND url_id = ?').get(key.tenantId, key.urlId) as { seq: number } | undefined;
    return row?.seq ?? 0;
  }

  async eventsBetween(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null> {
    return this.events(key, after, upTo);
  }

  /**
   * Group commit: writes that arrive in the same turn of the event loop are stored in one IMMEDIATE
   * transaction, so one fsync makes them all durable. Each write still sees the ones before it (same
   * transaction, in order), so seqs and checks are exactly as if they ran one by one. If the transaction
   * fails (disk full, I/O error), nothing of the group is stored and every write in it is rejected.
   */
  write(key: ImageKey, chatId: string | null, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome> {
    return new Promise((resolve, reject) => {
      this.queued.push({ key, chatId, plan, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.commitQueued());
    });
  }

  private commitQueued(): void {
    const group = this.queued;
    this.queued = [];
    let outcomes: WriteOutcome[];
    try {
      outcomes = this.db.transaction(() => group.map((write) => this.writeOne(write.key, write.chatId, write.plan))).immediate();
    } catch (error) {
      for (const write of group) write.reject(error);
      return;
    }
    group.forEach((write, index) => write.resolve(outcomes[index]!));
  }

  private writeOne(key: ImageKey, chatId: string | null, plan: (context: WriteContext) => WritePlan): WriteOutcome {
    const image = this.image(key);
    const row = chatId
      ? (this.sql('SELECT body FROM chats WHERE tenant_id = ? AND url_id = ? AND id = ?').get(key.tenantId, key.urlId, chatId) as { body: string } | undefined)
      : undefined;
    const chat = row ? (JSON.parse(row.body) as Chat) : null;
    const planned = plan({ chat, chatCount: image.chat_count, now: Date.now() });
    if (!planned.ok) return planned;
    const seq = image.seq + 1;
    const event = { ...planned.event, seq } as ImageEvent;
    const after = applyEventToChat(chat, event);
    if (after) {
      this.sql('INSERT INTO chats (tenant_id, url_id, id, created_at, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, url_id, id) DO UPDATE SET body = excluded.body')
        .run(key.tenantId, key.urlId, after.id, after.createdAt, JSON.stringify(after));
    } else {
      this.sql('DELETE FROM chats WHERE tenant_id = ? AND url_id = ? AND id = ?').run(key.tenantId, key.urlId, event.chatId);
    }
    const countDelta = event.type === 'new-image-chat' ? 1 : event.type === 'deleted-image-chat' ? -1 : 0;
    this.sql('UPDATE images SET seq = ?, chat_count = chat_count + ? WHERE tenant_id = ? AND url_id = ?').run(seq, countDelta, key.tenantId, key.urlId);
    this.sql('INSERT INTO events (tenant_id, url_id, seq, body) VALUES (?, ?, ?, ?)').run(key.tenantId, key.urlId, seq, JSON.stringify(event));
    this.sql('DELETE FROM events WHERE tenant_id = ? AND url_id = ? AND seq <= ?').run(key.tenantId, key.urlId, seq - this.options.eventLogKeep);
    return { ok: true, event };
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

  async getOrCreateSetting(name: string, create: () => string): Promise<string> {
    this.db.prepare('INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)').run(name, create());
    return (this.db.prepare('SELECT value FROM settings WHERE name = ?').get(name) as { value: string }).value;
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    // Writes already queued are committed (and answered) before the file closes.
    if (this.queued.length > 0 && this.db.open) this.commitQueued();
    if (this.db.open) this.db.close();
  }
}
