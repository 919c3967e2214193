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
];
