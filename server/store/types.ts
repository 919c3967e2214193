/**
 * The store interface: what the core needs from durable storage. SQLite (embedded default) and
 * PostgreSQL implement it and pass one contract suite (test/contract/store.contract.ts).
 */
import type { Chat, ErrorCode, ImageEvent, ImageKey } from '../../shared/index.js';

export interface Tenant {
  id: string;
  name: string;
  /** Page origins allowed to open the widget; empty means any. */
  origins: string[];
  createdAt: number;
}

/** What the write planner sees, read inside the write's transaction. */
export interface WriteContext {
  /** The chat the write names (with its comments), or null if it does not exist. */
  chat: Chat | null;
  /** Markers on the image now. */
  chatCount: number;
  /** Server time for the write, milliseconds. */
  now: number;
}

/** An event without its seq: the store assigns the seq in the transaction that stores it. */
export type UnsequencedEvent = ImageEvent extends infer E ? (E extends ImageEvent ? Omit<E, 'seq'> : never) : never;

export type WritePlan = { ok: true; event: UnsequencedEvent } | { ok: false; code: ErrorCode; message: string };

export type WriteOutcome = { ok: true; event: ImageEvent } | { ok: false; code: ErrorCode; message: string };

/** The answer to a subscribe: exactly the events after `since`, or a whole snapshot. Never a partial replay. */
export type ReadResult =
  | { reset: false; seq: number; epoch: string; events: ImageEvent[] }
  | { reset: true; seq: number; epoch: string; chats: Chat[] };

export interface NewTenant {
  id: string;
  name: string;
  origins: string[];
  /** A hash of the tenant's API secret; the secret itself is never stored. */
  secretHash: string;
}

export interface Store {
  /** Runs migrations; call once before use. */
  init(): Promise<void>;
  getTenant(id: string): Promise<Tenant | null>;
  /** Returns false if the id is taken. */
  createTenant(tenant: NewTenant): Promise<boolean>;
  listTenants(): Promise<Tenant[]>;
  getTenantSecretHash(id: string): Promise<string | null>;
  setTenantSecretHash(id: string, secretHash: string): Promise<boolean>;
  /**
   * Reads an image for a subscriber. With `since` and a matching `epoch`, and all events after `since` still
   * kept, answers with exactly those events; otherwise with a snapshot. Creates the image's row (seq 0 and a
   * fresh epoch) when it is first seen.
   */
  read(key: ImageKey, since?: number, epoch?: string): Promise<ReadResult>;
  /** Events with after < seq ≤ upTo, or null if some of them are no longer kept. */
  eventsBetween(key: ImageKey, after: number, upTo: number): Promise<ImageEvent[] | null>;
  /**
   * One write in one transaction: reads the context, asks `plan` for the event (or an error), stores the change,
   * assigns the image's next seq and appends the event to the image's log. Resolves once durable.
   */
  write(key: ImageKey, chatId: string | null, plan: (context: WriteContext) => WritePlan): Promise<WriteOutcome>;
  /** A value kept across restarts and shared by all nodes; `create` makes it the first time. */
  getOrCreateSetting(name: string, create: () => string): Promise<string>;
  /** Throws if the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
