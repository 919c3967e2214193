/**
 * PostgreSQL schema, as an ordered list of migrations. Append only: a released migration never changes.
 * The same shape as SQLite's (see sqlite-migrations.ts): chats as JSON documents, a per-image row that holds
 * the seq counter (and is the row each write locks), and the per-image event log replays are built on.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE tenants (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     origins JSONB NOT NULL DEFAULT '[]',
     secret_hash TEXT NOT NULL,
     created_at BIGINT NOT NULL
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
     created_at BIGINT NOT NULL,
     body JSONB NOT NULL,
     PRIMARY KEY (tenant_id, url_id, id)
   );
   CREATE TABLE events (
     tenant_id TEXT NOT NULL,
     url_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     body JSONB NOT NULL,
     PRIMARY KEY (tenant_id, url_id, seq)
   );`,
];
