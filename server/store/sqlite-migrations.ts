/**
 * SQLite schema, as an ordered list of migrations. Append only: a released migration never changes.
 * Chats are stored as JSON documents (with their comments) because every read needs the whole thread and
 * every write touches one chat; the per-image event log is what replays and ordering are built on.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE tenants (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     origins TEXT NOT NULL DEFAULT '[]',
     secret_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE images (
     tenant_id TEXT NOT NULL REFERENCES tenants(id),
     url_id TEXT NOT NULL,
     seq INTEGER NOT NULL DEFAULT 0,
     epoch TEXT NOT NULL,
     chat_count INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (tenant_id, url_id)
   );
   CREATE TABLE chats (
     tenant_id TEXT NOT NULL,
     url_id TEXT NOT NULL,
     id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (tenant_id, url_id, id)
   );
   CREATE TABLE events (
     tenant_id TEXT NOT NULL,
     url_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (tenant_id, url_id, seq)
   );`,
  // Usage metering (docs/dashboard.md): per tenant per UTC day, per image, per-node peaks and presence,
  // and the ids of applied flushes so a retried flush is applied at most once.
  `CREATE TABLE usage_daily (
     tenant_id TEXT NOT NULL,
     day TEXT NOT NULL,
     messages INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0,
     conversations INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (tenant_id, day)
   );
   CREATE TABLE usage_images (
     tenant_id TEXT NOT NULL,
     day TEXT NOT NULL,
     url_id TEXT NOT NULL,
     messages INTEGER NOT NULL DEFAULT 0,
     bytes INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (tenant_id, day, url_id)
   );
   CREATE TABLE usage_peaks (
     tenant_id TEXT NOT NULL,
     day TEXT NOT NULL,
     node_id TEXT NOT NULL,
     peak INTEGER NOT NULL,
     PRIMARY KEY (tenant_id, day, node_id)
   );
   CREATE TABLE usage_presence (
     node_id TEXT NOT NULL,
     tenant_id TEXT NOT NULL,
     connections INTEGER NOT NULL,
     images INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (node_id, tenant_id)
   );
   CREATE TABLE usage_flushes (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);
   CREATE INDEX usage_flushes_applied_at ON usage_flushes (applied_at);
   CREATE INDEX tenants_secret_hash ON tenants (secret_hash);`,
];
