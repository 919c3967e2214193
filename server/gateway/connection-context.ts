/**
 * What a client connection's parts (its subscriptions, its writes, its tenant admin role) share: the node's
 * services they call, and the connection's own way of answering.
 */
import type { Logger } from 'pino';
import type { ClientMessage, ErrorCode, ErrorMessage, Limits } from '../../shared/index.js';
import type { ChatService } from '../core/service.js';
import type { SessionSigner } from '../auth/session.js';
import type { SecretBox } from '../auth/secret-box.js';
import type { TopicHub } from '../fanout/topic-hub.js';
import type { TenantFeed } from '../fanout/tenant-feed.js';
import type { TenantPresence } from '../metering/tenant-presence.js';
import type { PresenceHub } from '../presence/presence-hub.js';
import type { PresencePerson } from '../presence/image-presence.js';
import type { GatewayMeter } from '../metering/meters.js';
import type { BudgetRefusal, GatewayBudgets } from './budgets.js';
import type { ClientConnection } from './client-connection.js';
import type { Outbox } from './outbox.js';

/** The node's services, as one client connection uses them. */
export interface ConnectionContext {
  service: ChatService;
  hub: TopicHub;
  signer: SessionSigner;
  /** Opens tenants' sealed API secrets, to check SSO payloads. */
  secrets: SecretBox;
  limits: Limits;
  log: Logger;
  /** This connection's id on every log line about it, as `connLabel` shows it (a number: nothing more kept per connection). */
  connId: number;
  meter: GatewayMeter;
  /** Logs a failed handler (throttled node-wide, so a stranger cannot flood the log). */
  handlerFailed(fields: Record<string, unknown>): void;
  /** The client's address (an `addressKey`): its share of tenant lookups. */
  address: string;
  /** The page's origin from the upgrade request, checked against the tenant's allowed origins. */
  origin: string | undefined;
  /** The node's budgets, charged with this context as the connection (its address, its own read budget). */
  budgets: GatewayBudgets;
  /** This connection's own read budget: bytes owed, and when (connection-read-budget.ts). */
  readOwed: number;
  readOwedAt: number;
  /** Told once when the connection's socket closed (the gateway forgets it and frees its address's slot). */
  released(connection: ClientConnection): void;
  /** The tenant admin feeds; without it `subscribe-tenant` is forbidden. */
  tenantFeed?: TenantFeed;
  presence?: TenantPresence;
  /** Who is viewing each image and who is typing (issue 15); without it no presence frame is sent. */
  viewers?: PresenceHub;
}

/** What each connection has of its own in its context; the rest is the node's, shared by all. */
type OwnContext = Pick<ConnectionContext, 'connId' | 'address' | 'origin' | 'readOwed' | 'readOwedAt'>;
export type SharedContext = Omit<ConnectionContext, keyof OwnContext>;

/**
 * Makes connections' contexts: a connection's own fields in the object itself, and the node's part as its
 * prototype (one object for all). Made by a constructor, the five own fields sit inside the object; assigned onto
 * `Object.create(shared)` they took a separate property array, 40 bytes more per connection (issue 14).
 */
export function connectionContexts(shared: SharedContext): (connId: number, address: string, origin: string | undefined) => ConnectionContext {
  class Context implements OwnContext {
    readOwed = 0;
    readOwedAt = 0;
    constructor(readonly connId: number, readonly address: string, readonly origin: string | undefined) {}
  }
  Object.setPrototypeOf(Context.prototype, shared);
  return (connId, address, origin) => new Context(connId, address, origin) as unknown as ConnectionContext;
}

/** A connection id as log lines show it: 8 hex digits. */
export const connLabel = (connId: number): string => connId.toString(16).padStart(8, '0');

/** What an error frame carries besides its code and message: typed by the contract's `ErrorMessage`. */
export type ErrorScope = Omit<ErrorMessage, 'type' | 'code' | 'message'>;

/** How a connection's parts answer the client. */
export interface ConnectionReplies {
  readonly outbox: Outbox;
  /** True once the socket closed: parts stop before sending or installing anything. */
  readonly closed: boolean;
  /** Sends an error frame (counted by code). */
  error(code: ErrorCode, message: string, scope?: ErrorScope): void;
  /** A frame's handling failed (the store is down, a bug): logged, and answered `unavailable` naming what failed; never throws. */
  failed(error: unknown, message: ClientMessage): void;
  /** Sends `rate-limited` for a spent budget; `countAsRefused` counts it toward closing a flood. */
  overBudget(refusal: BudgetRefusal, scope: ErrorScope, countAsRefused: boolean): void;
  /** Who the connection is on `tenantId`'s images, as presence shows them. */
  presencePerson(tenantId: string): PresencePerson;
}
