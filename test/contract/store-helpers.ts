/**
 * What the store contract suites share: the backend a suite runs against, and writing through the real
 * planner as the core does.
 */
import { randomUUID } from 'node:crypto';
import { applyEventToChat, LIMITS, type Chat, type ImageEvent, type ImageKey, type WriteMessage } from '../../shared/index.js';
import { writeTarget, type Actor, type PlanLimits } from '../../server/core/plan.js';
import { plannerFor } from '../../server/core/plan-recipe.js';
import type { Store } from '../../server/store/types.js';
import type { WriteOutcome } from '../../server/core/write-plan.js';

/** One database of a backend, with raw access to its tables for checks the Store interface cannot make. */
export interface StoreDatabase {
  /** A store instance on this database, migrated (`init` done); may be called several times. */
  open(eventLogKeep?: number): Promise<Store>;
  /** Rows of every table, by table name (read directly, not through a store). */
  rowCounts(): Promise<Record<string, number>>;
  /** Runs one SQL statement directly and answers its rows (numbers as numbers); for checks and old-schema setup. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Brings the empty database to the schema of migration `version` only, as an older release left it. */
  migrateTo(version: number): Promise<void>;
}

export interface StoreBackend {
  /** A fresh, empty database. */
  fresh(): Promise<StoreDatabase>;
}

export const ann: Actor = { id: 'u1', name: 'Ann', moderator: false, mayResolveOthers: true };

export type WriteFields = Record<string, unknown> & { type: WriteMessage['type'] };

/**
 * Writes one message through the planner, as the core does (`plannerFor`: a store in another thread plans there):
 * by `ann` within `LIMITS` unless told otherwise.
 */
export function writeMessage(store: Store, key: ImageKey, fields: WriteFields, options: { actor?: Actor; limits?: PlanLimits } = {}): Promise<WriteOutcome> {
  const message = { broadcastId: randomUUID(), ...key, ...fields } as WriteMessage;
  const actor = options.actor ?? ann;
  return store.write(key, writeTarget(message, actor), plannerFor({ kind: 'write', message, actor, limits: options.limits ?? LIMITS }));
}

export const sequenced = (outcome: WriteOutcome): ImageEvent => {
  if (!outcome.ok) throw new Error(`write refused: ${outcome.code} ${outcome.message}`);
  return outcome.event;
};

/** Opens an instance on `database` with the `demo` tenant in it (images belong to an existing tenant). */
export async function open(database: StoreDatabase, eventLogKeep?: number): Promise<Store> {
  const store = await database.open(eventLogKeep);
  await store.createTenant({ id: 'demo', name: 'Demo', origins: [], secretHash: 'h' });
  return store;
}

export const imageKey = (): ImageKey => ({ tenantId: 'demo', urlId: `img-${randomUUID()}` });

/** Applies events in order to a map of chats, the way a client does. */
export function replay(events: ImageEvent[], start: Chat[] = []): Chat[] {
  const chats = new Map(start.map((chat) => [chat.id, chat]));
  for (const event of events) {
    const after = applyEventToChat(chats.get(event.chatId) ?? null, event);
    if (after) chats.set(after.id, after);
    else chats.delete(event.chatId);
  }
  return [...chats.values()];
}

