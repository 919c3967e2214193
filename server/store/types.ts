/**
 * The store interface: what the core needs from durable storage. SQLite (embedded default) and
 * PostgreSQL implement it and pass one contract suite (test/contract/store.contract.ts).
 */
import type { Chat, Comment, ImageEvent, ImageKey, ImageUsage, LiveImage, TenantRules, UsageDay } from '../../shared/index.js';
import type { WriteContext, WriteOutcome, WritePlan, WriteTarget } from '../core/write-plan.js';
import type { WebhookStore } from './webhook-types.js';
import type { TenantChange } from './tenant-removal.js';

export interface Tenant {
  id: string;
  name: string;
  /** Page origins allowed to open the widget; empty means any. */
  origins: string[];
  createdAt: number;
  /** Who may write and resolve, presence names, simple SSO, the login URL (the defaults until the tenant sets them). */
  rules: TenantRules;
  /** The API secrets SSO payloads may be signed with, sealed (server/auth/secret-box.ts). */
  ssoKeys: SsoKeys;
}

/**
 * The current API secret, and the one before it until `previousUntil` (ms): after a rotation, pages signed
 * with the old secret keep signing people in for as long as their payloads are valid. Null for a tenant made
 * before SSO existed, until its secret is rotated once.
 */
export interface SsoKeys { current: string | null; previous: string | null; previousUntil: number }

/** A new API secret: its hash (for the dashboard and REST API) and its sealed copy (for SSO). */
export interface SecretChange {
  secretHash: string;
  ssoKey: string;
  /** Until when the previous secret still verifies SSO payloads (ms); 0 ends it now (a leaked secret). */
  keepPreviousUntil: number;
}

/** The answer to a subscribe: exactly the events after `since`, or a whole snapshot. Never a partial replay. */
export type ReadResult =
  | { reset: false; seq: number; epoch: string; events: ImageEvent[] }
  | { reset: true; seq: number; epoch: string; chats: Chat[] };

export interface NewTenant {
  id: string;
  name: string;
  origins: string[];
  /** A hash of the tenant's API secret, which the dashboard and REST API check. */
  secretHash: string;
  /** The API secret sealed for verifying SSO payloads (server/auth/secret-box.ts). */
  ssoKey?: string;
}


export type { UsageDay, ImageUsage };

/** A tenant's live numbers, summed over the nodes that reported recently. */
export interface LiveUsage {
  connections: number;
  /** Images watched, summed per node (an image watched on two nodes counts twice). */
  watchedImages: number;
  /** Nodes with live connections of the tenant. */
  nodes: number;
  /** Images viewed now, most viewers first (at most LIVE_IMAGES_SHOWN): each node's exact merged presence count, the highest. */
  images: LiveImage[];
}

/**
 * What one node counted since its last flush. Applied in one transaction, at most once: `id` is recorded
 * with it, and a retry of the same flush (same id) after an unclear failure changes nothing.
 */
export interface UsageFlush {
  id: string;
  nodeId: string;
  /** Server time of the flush, milliseconds (presence freshness). */
  at: number;
  tenants: { tenantId: string; day: string; messages: number; bytes: number; conversations: number }[];
  images: { tenantId: string; day: string; urlId: string; messages: number; bytes: number }[];
  /** This node's peak of concurrent connections per tenant and day (kept as the maximum seen). */
  peaks: { tenantId: string; day: string; peak: number }[];
  /**
   * This node's live numbers per tenant now; they replace what the node reported before. `liveImages`: the
   * presence count (merged over every node) of each image this node holds viewers of, at most LIVE_IMAGES_PER_NODE.
   */
  presence: { tenantId: string; connections: number; images: number; liveImages: LiveImage[] }[];
  /** Presence rows at or after this time (ms) count as live when the cluster-wide peak is sampled. */
  liveSince: number;
  /** The UTC day (YYYY-MM-DD) the sampled cluster-wide peak belongs to. */
  liveDay: string;
}

/** One image in the REST API's list of a tenant's images. */
export interface ImageSummary {
  urlId: string;
  /** Markers on the image now. */
  chatCount: number;
  /** Time of the image's last stored write, ms (for images written before migration 5: its newest marker's or comment's time). */
  lastActivity: number;
  /** The image's current seq. */
  seq: number;
}

/** A page of a tenant's images, in url id order; `next` is the url id to continue after, or null at the end. */
export interface ImagePage {
  images: ImageSummary[];
  next: string | null;
}

/** Where a page of comment search continues: the last comment of the page before, in search order. */
export interface CommentCursor { createdAt: number; urlId: string; chatId: string; commentId: string }

/**
 * A search of a tenant's stored comments (docs/api.md#searching-comments). `text` matches a case-insensitive
 * substring of the comment's text; `author` an author's exact id or a case-insensitive substring of their name.
 * Case folding is ASCII-only on SQLite and Unicode on PostgreSQL.
 */
export interface CommentQuery {
  text: string | null;
  author: string | null;
  /** Continue after this comment; null from the newest. */
  after: CommentCursor | null;
  limit: number;
}

/** One comment found by a search, with where it is. */
export interface CommentHit {
  urlId: string;
  chatId: string;
  comment: Comment;
  /** True for the marker's first comment: deleting it means deleting the marker and its whole thread. */
  opensThread: boolean;
}

/** A page of comments, newest first (then url id, chat id, comment id, descending); `next` is null at the end. */
export interface CommentPage {
  comments: CommentHit[];
  next: CommentCursor | null;
}

/** Claiming an idempotency key for a REST write (docs/api.md#idempotent-retries). */
export interface IdempotencyClaim {
  tenantId: string;
  key: string;
  /** What the request asked (a hash of it): the same key with another request is refused, not answered. */
  fingerprint: string;
  now: number;
  /** How long the claimant may take before another request may claim the key again (a node that died). */
  leaseMs: number;
  /** How long the key and its answer are kept from now. */
  keepMs: number;
}

/**
 * - `claimed`: the key is the caller's; write, then `finishIdempotencyKey`. `takenOver`: an earlier claim's lease
 *   ran out without an answer (its node died, or its answer could not be stored), so its write may be stored;
 * - `in-flight`: another request holds it now;
 * - `done`: the first request's answer, as it stored it;
 * - `mismatch`: the key was used for another request.
 */
export type IdempotencyState =
  | { state: 'claimed'; takenOver: boolean }
  | { state: 'in-flight' }
  | { state: 'done'; answer: string }
  | { state: 'mismatch' };

export interface Store extends WebhookStore {
  /** Runs migrations; call once before use. */
  init(): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  /** Returns false if the id is taken. */
  createTenant(tenant: NewTenant): Promise<boolean>;
  listTenants(): Promise<Tenant[]>;
  getTenantSecretHash(id: string): Promise<string | null>;
  /** A new API secret; the previous one keeps verifying SSO payloads until `keepPreviousUntil`. False for an unknown tenant. */
  rotateTenantSecret(id: string, change: SecretChange): Promise<boolean>;
  /** Changes the tenant's name and/or page origins. False for an unknown tenant. */
  updateTenant(id: string, change: TenantChange): Promise<boolean>;
  /** Removes the tenant and everything stored for it (tenant-removal.ts), in one transaction. False for an unknown tenant. */
  deleteTenant(id: string): Promise<boolean>;
  /** Replaces the tenant's rules. False for an unknown tenant. */
  setTenantRules(id: string, rules: TenantRules): Promise<boolean>;
  /**
   * Reads an image for a subscriber. With `since` and a matching `epoch`, and all events after `since` still
   * kept, answers with exactly those events; otherwise with a snapshot (also for a `since` outside 0..MAX_SEQ,
   * which no image can have reached). Never writes: an image never written answers seq 0 and the store's
   * epoch (one value per database, made once at `init`), and its first write creates its row with that same
   * epoch, so a client that saw (0, epoch) and resubscribes with `since: 0` gets exactly the events since.
   * Snapshot order: chats by creation time, then id; each thread in the order its comments were added.
   */
  read(key: ImageKey, since?: number, epoch?: string): Promise<ReadResult>;
  /** The image's current seq (0 when it was never written): lets a node notice an event it never heard of. */
  headSeq(key: ImageKey): Promise<number>;
  /** Events with after < seq ≤ upTo, or null if some of them are no longer kept. */
  eventsBetween(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null>;
  /**
   * One write in one transaction: reads the context for `target` (the chat's own fields and sizes, the named
   * comment, the counts), asks `plan` for the event (or an error), stores the change (one comment row for a
   * comment; the chat's row for a move or resolve; never the whole thread), updates the size counters,
   * assigns the image's next seq, appends the event to the image's log and records its webhook deliveries
   * (the outbox: one row per enabled endpoint of the tenant that takes the event's type). Resolves once durable. A refused
   * write stores nothing (an image's row is made by its first stored write); a write to an image of a
   * tenant that does not exist rejects.
   */
  write(key: ImageKey, target: WriteTarget, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome>;
  /** The tenant whose API secret has this hash, or null. */
  findTenantBySecretHash(secretHash: string): Promise<string | null>;
  /** Adds a node's counts to the per-tenant, per-day totals, atomically and at most once per `flush.id`. */
  addUsage(flush: UsageFlush): Promise<void>;
  /** Days from `from` to `to` (YYYY-MM-DD, inclusive) that have usage, in order; days without are left out. */
  readUsage(tenantId: string, from: string, to: string): Promise<UsageDay[]>;
  /** The images with the most deliveries over the days, most first. */
  readTopImages(tenantId: string, from: string, to: string, limit: number): Promise<ImageUsage[]>;
  /** The tenant's live numbers from nodes that reported at or after `freshSince` (milliseconds). */
  readLive(tenantId: string, freshSince: number): Promise<LiveUsage>;
  /** A page of the tenant's written images in url id order, after `after` (a url id; null from the start). */
  listImages(tenantId: string, after: string | null, limit: number): Promise<ImagePage>;
  /** A page of the tenant's stored comments matching the query, newest first. Scans the tenant's comments for a text filter. */
  searchComments(tenantId: string, query: CommentQuery): Promise<CommentPage>;
  /**
   * Claims a REST write's idempotency key, atomically across nodes: exactly one of concurrent claims of a key
   * gets `claimed`. Keys past their expiry are forgotten first; a claim whose lease ran out without an
   * answer may be claimed again.
   */
  claimIdempotencyKey(claim: IdempotencyClaim): Promise<IdempotencyState>;
  /**
   * The newest event of the image's log with this broadcastId, or null (also when the log no longer has it):
   * what a write whose answer was lost stored.
   */
  findEventByBroadcastId(key: ImageKey, broadcastId: string): Promise<ImageEvent | null>;
  /** Stores the answer of a claimed key, or with `answer` null lets it go (nothing was written; a retry may write). */
  finishIdempotencyKey(tenantId: string, key: string, answer: string | null): Promise<void>;
  /** A value kept across restarts and shared by all nodes; `create` makes it the first time. */
  getOrCreateSetting(name: string, create: () => string): Promise<string>;
  /** Throws if the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
