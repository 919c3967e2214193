/**
 * PostgreSQL schema, as an ordered list of migrations. Append only: a released migration never changes.
 * The same shape as SQLite's (see sqlite-migrations.ts): a per-image row that holds the seq counter and the
 * size counters (and is the row each write locks), a row per chat with the marker's own fields, a row per
 * comment (migration 3; before it a chat was one JSON document rewritten per comment), and the per-image
 * event log replays are built on.
 */
import type pg from 'pg';
import type { Chat } from '../../shared/index.js';
import { jsonBytes } from '../core/wire-size.js';

/** SQL to run, or a step that needs code (moving data whose sizes are computed as the wire counts them). */
type PostgresMigration = string | ((client: pg.PoolClient) => Promise<void>);

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
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
  // Usage metering (docs/dashboard.md): per tenant per UTC day, per image, per-node peaks and presence,
  // and the ids of applied flushes so a retried flush is applied at most once.
  `CREATE TABLE usage_daily (
     tenant_id TEXT NOT NULL,
     day TEXT NOT NULL,
     messages BIGINT NOT NULL DEFAULT 0,
     bytes BIGINT NOT NULL DEFAULT 0,
     conversations BIGINT NOT NULL DEFAULT 0,
     PRIMARY KEY (tenant_id, day)
   );
   CREATE TABLE usage_images (
     tenant_id TEXT NOT NULL,
     day TEXT NOT NULL,
     url_id TEXT NOT NULL,
     messages BIGINT NOT NULL DEFAULT 0,
     bytes BIGINT NOT NULL DEFAULT 0,
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
     updated_at BIGINT NOT NULL,
     PRIMARY KEY (node_id, tenant_id)
   );
   CREATE TABLE usage_flushes (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL);
   CREATE INDEX usage_flushes_applied_at ON usage_flushes (applied_at);
   CREATE INDEX tenants_secret_hash ON tenants (secret_hash);`,
  commentRows,
  // Migration 4: sign-in. Per-tenant rules (JSON; NULL means the defaults) and the sealed API secrets SSO
  // payloads are checked with (NULL for tenants made before, until their secret is rotated).
  `ALTER TABLE tenants ADD COLUMN rules TEXT;
   ALTER TABLE tenants ADD COLUMN sso_key TEXT;
   ALTER TABLE tenants ADD COLUMN previous_sso_key TEXT;
   ALTER TABLE tenants ADD COLUMN previous_sso_key_until BIGINT NOT NULL DEFAULT 0;`,
  // Migration 5: the REST API (docs/api.md). Each image's last activity (ms of its last stored write; images
  // written before are given their newest marker's or comment's time, the best the rows still know), and the
  // idempotency keys of REST writes: claimed while the write runs, then holding its answer until they expire.
  `ALTER TABLE images ADD COLUMN last_activity BIGINT NOT NULL DEFAULT 0;
   UPDATE images SET last_activity = greatest(
     coalesce((SELECT max(c.created_at) FROM chats c WHERE c.tenant_id = images.tenant_id AND c.url_id = images.url_id), 0),
     coalesce((SELECT max(m.created_at) FROM comments m WHERE m.tenant_id = images.tenant_id AND m.url_id = images.url_id), 0));
   CREATE TABLE api_idempotency (
     tenant_id TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     answer TEXT,
     claimed_until BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     PRIMARY KEY (tenant_id, key)
   );
   CREATE INDEX api_idempotency_expires_at ON api_idempotency (expires_at);`,
  // Migration 6: moderation's comment search (docs/api.md#searching-comments) reads a tenant's comments newest
  // first in exactly this order, so a page without a filter reads its rows off the index instead of sorting them all.
  `CREATE INDEX comments_tenant_newest ON comments (tenant_id, created_at, url_id COLLATE "C", chat_id COLLATE "C", id COLLATE "C");`,
  // Migration 7: webhooks (docs/webhooks.md). Each tenant's endpoints, with their signing secrets sealed, and
  // the outbox: one delivery row per event and endpoint, inserted in the write's transaction. The partial index
  // serves both the due deliveries and each endpoint's per-image queue (its oldest pending delivery goes first).
  `CREATE TABLE webhook_endpoints (
     id TEXT PRIMARY KEY,
     tenant_id TEXT NOT NULL REFERENCES tenants(id),
     url TEXT NOT NULL,
     description TEXT NOT NULL DEFAULT '',
     events TEXT NOT NULL,
     enabled BOOLEAN NOT NULL,
     disabled_reason TEXT,
     created_at BIGINT NOT NULL,
     secret TEXT NOT NULL,
     previous_secret TEXT,
     previous_secret_until BIGINT NOT NULL DEFAULT 0
   );
   CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);
   CREATE TABLE webhook_deliveries (
     id BIGSERIAL PRIMARY KEY,
     endpoint_id TEXT NOT NULL,
     tenant_id TEXT NOT NULL,
     url_id TEXT NOT NULL,
     seq BIGINT NOT NULL,
     event_id TEXT NOT NULL,
     event_type TEXT NOT NULL,
     payload TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at BIGINT NOT NULL,
     lease_until BIGINT NOT NULL DEFAULT 0,
     lease_owner TEXT,
     last_status INTEGER,
     last_error TEXT,
     created_at BIGINT NOT NULL,
     finished_at BIGINT
   );
   CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, url_id, id) WHERE state = 'pending';
   CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
   CREATE INDEX webhook_deliveries_listed ON webhook_deliveries (endpoint_id, id);
   CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE state <> 'pending';`,
  // Migration 8: marker numbers (docs/protocol.md#marker-numbers). Each chat keeps the number it was made with,
  // each image counts the markers ever made on it. Existing markers are numbered by creation; their stored sizes
  // grow by the `"number":N,` the wire now carries. Every written image starts a new epoch, so a client resuming
  // from before gets a snapshot with the numbers instead of a replay of events that lack them.
  `ALTER TABLE chats ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE images ADD COLUMN markers_made INTEGER NOT NULL DEFAULT 0;
   UPDATE chats SET number = numbered.n FROM (SELECT tenant_id, url_id, id,
       row_number() OVER (PARTITION BY tenant_id, url_id ORDER BY created_at, id COLLATE "C") AS n FROM chats) numbered
     WHERE chats.tenant_id = numbered.tenant_id AND chats.url_id = numbered.url_id AND chats.id = numbered.id;
   UPDATE chats SET bytes = bytes + 10 + length(number::text);
   UPDATE images SET
     markers_made = (SELECT count(*) FROM chats c WHERE c.tenant_id = images.tenant_id AND c.url_id = images.url_id),
     bytes = coalesce((SELECT sum(c.bytes) FROM chats c WHERE c.tenant_id = images.tenant_id AND c.url_id = images.url_id), 0),
     epoch = gen_random_uuid()::text;`,
  // Migration 9: presence per image for the dashboard's "live now" (issue 15): each node's report of the images it
  // holds viewers of, with their merged counts, as a JSON list beside its live numbers.
  `ALTER TABLE usage_presence ADD COLUMN live_images TEXT NOT NULL DEFAULT '[]';`,
];

/** Old chat documents moved per query: bounds memory on a large database. */
const MIGRATION_PAGE = 500;

interface Document { tenant_id: string; url_id: string; id: string; body: Chat }

/**
 * Migration 3: comments as their own rows, chats slimmed to the marker's fields and counters, and the size
 * counters the byte budgets use (computed from the moved data as the wire counts them). Image rows that
 * reads made before reads stopped writing (seq 0: never written) are removed.
 */
async function commentRows(client: pg.PoolClient): Promise<void> {
  await client.query(`ALTER TABLE chats RENAME TO chat_documents;
    ALTER INDEX chats_pkey RENAME TO chat_documents_pkey;
    CREATE TABLE chats (
      tenant_id TEXT NOT NULL,
      url_id TEXT NOT NULL,
      id TEXT NOT NULL,
      x DOUBLE PRECISION NOT NULL,
      y DOUBLE PRECISION NOT NULL,
      author_id TEXT NOT NULL,
      author_name TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      resolved BOOLEAN NOT NULL,
      comment_count INTEGER NOT NULL,
      next_ordinal INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      PRIMARY KEY (tenant_id, url_id, id)
    );
    CREATE TABLE comments (
      tenant_id TEXT NOT NULL,
      url_id TEXT NOT NULL,
      chat_id TEXT NOT NULL,
      id TEXT NOT NULL,
      ordinal INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      body JSONB NOT NULL,
      PRIMARY KEY (tenant_id, url_id, chat_id, id)
    );
    ALTER TABLE images ADD COLUMN bytes BIGINT NOT NULL DEFAULT 0;`);
  let after: Document | undefined;
  for (;;) {
    const { rows } = after
      ? await client.query<Document>(`SELECT tenant_id, url_id, id, body FROM chat_documents WHERE (tenant_id, url_id, id) > ($1, $2, $3)
          ORDER BY tenant_id, url_id, id LIMIT $4`, [after.tenant_id, after.url_id, after.id, MIGRATION_PAGE])
      : await client.query<Document>('SELECT tenant_id, url_id, id, body FROM chat_documents ORDER BY tenant_id, url_id, id LIMIT $1', [MIGRATION_PAGE]);
    if (rows.length === 0) break;
    await client.query(`INSERT INTO chats (tenant_id, url_id, id, x, y, author_id, author_name, created_at, resolved, comment_count, next_ordinal, bytes)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::bigint[], $9::boolean[],
        $10::int[], $10::int[], $11::int[])`, [
      rows.map((r) => r.tenant_id), rows.map((r) => r.url_id), rows.map((r) => r.id), rows.map((r) => r.body.x), rows.map((r) => r.body.y),
      rows.map((r) => r.body.author.id), rows.map((r) => r.body.author.name), rows.map((r) => r.body.createdAt), rows.map((r) => r.body.resolved),
      rows.map((r) => r.body.comments.length), rows.map((r) => jsonBytes(r.body)),
    ]);
    const comments = rows.flatMap((r) => r.body.comments.map((comment, ordinal) => ({ row: r, comment, ordinal })));
    await client.query(`INSERT INTO comments (tenant_id, url_id, chat_id, id, ordinal, created_at, body)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::jsonb[])`, [
      comments.map((c) => c.row.tenant_id), comments.map((c) => c.row.url_id), comments.map((c) => c.row.id), comments.map((c) => c.comment.id),
      comments.map((c) => c.ordinal), comments.map((c) => c.comment.createdAt), comments.map((c) => JSON.stringify(c.comment)),
    ]);
    after = rows[rows.length - 1];
  }
  await client.query(`DROP TABLE chat_documents;
    UPDATE images SET bytes = coalesce((SELECT sum(c.bytes) FROM chats c WHERE c.tenant_id = images.tenant_id AND c.url_id = images.url_id), 0);
    DELETE FROM images WHERE seq = 0;`);
}
