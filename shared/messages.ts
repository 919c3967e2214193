/**
 * The wire contract, version 1: every frame a client and a server may send, as tagged unions on `type`.
 * See docs/protocol.md for one example of each.
 */
import type { ErrorCode } from './errors.js';
import type { Author, Chat, Comment } from './model.js';
import type { SecureSso, SimpleSso } from './sso.js';
import type { TenantRules } from './tenant-rules.js';

// ---- client to server ----

export interface PingMessage { type: 'ping' }

/**
 * Who the connection is. Without `tenantId` it sets the connection's guest identity, for every tenant that has
 * no identity of its own on it. With `tenantId` it sets the identity for that tenant's images: signed in with
 * `sso`, unsigned with `simpleSso` (if the tenant allows it), or that tenant's guest (a session token is an
 * identity only on the tenant that issued it). A socket shared by widgets of two tenants says hello once per tenant.
 */
export interface HelloMessage {
  type: 'hello';
  /** Display name; the server trims it and falls back to "Guest". */
  name?: string;
  /** A token from an earlier `welcome` (of the same tenant, when `tenantId` is given), so the same person keeps their identity. */
  session?: string;
  tenantId?: string;
  /** A Secure SSO payload signed by the site's server with the tenant's API secret. */
  sso?: SecureSso;
  /** An unsigned identity from the page; taken only when the tenant's rules allow simple SSO. */
  simpleSso?: SimpleSso;
}

export interface SubscribeMessage {
  type: 'subscribe';
  tenantId: string;
  urlId: string;
  /** The last seq the client applied; the answer then carries only what came after. */
  since?: number;
  /** The epoch the client's `since` belongs to. */
  epoch?: string;
}

export interface UnsubscribeMessage { type: 'unsubscribe'; tenantId: string; urlId: string }

/** Fields every write carries. */
export interface WriteEnvelope {
  /** A UUID the client makes; echoed in the ack and in the broadcast event. */
  broadcastId: string;
  tenantId: string;
  urlId: string;
}

export interface CreateChatMessage extends WriteEnvelope {
  type: 'create-chat'; x: number; y: number; text: string; chatId?: string; commentId?: string;
}
export interface AddCommentMessage extends WriteEnvelope {
  type: 'add-comment'; chatId: string; text: string; commentId?: string;
}
export interface EditCommentMessage extends WriteEnvelope {
  type: 'edit-comment'; chatId: string; commentId: string; text: string;
}
export interface DeleteCommentMessage extends WriteEnvelope {
  type: 'delete-comment'; chatId: string; commentId: string;
}
export interface MoveChatMessage extends WriteEnvelope { type: 'move-chat'; chatId: string; x: number; y: number }
export interface ResolveChatMessage extends WriteEnvelope { type: 'resolve-chat'; chatId: string; resolved: boolean }
export interface DeleteChatMessage extends WriteEnvelope { type: 'delete-chat'; chatId: string }

export type WriteMessage =
  | CreateChatMessage
  | AddCommentMessage
  | EditCommentMessage
  | DeleteCommentMessage
  | MoveChatMessage
  | ResolveChatMessage
  | DeleteChatMessage;

type WriteType = WriteMessage['type'];

export const WRITE_TYPES = [
  'create-chat',
  'add-comment',
  'edit-comment',
  'delete-comment',
  'move-chat',
  'resolve-chat',
  'delete-chat',
] as const satisfies readonly WriteType[];

/**
 * The tenant-wide admin subscription (the dashboard's live moderation feed). Opened by the tenant's API
 * secret; answered by a `subscribed` with `role: "admin"`, then `tenant-event` frames for every write on any
 * of the tenant's images. The connection may then delete anyone's content of that tenant (a moderator).
 */
export interface SubscribeTenantMessage {
  type: 'subscribe-tenant';
  tenantId: string;
  /** The tenant's API secret. Without it (or with a wrong one) the answer is `forbidden`. */
  secret?: string;
}

/**
 * The sender is writing a reply in a thread of an image it is subscribed to (presence, not a write: no answer
 * when accepted). `stopped: true` when they sent it or cleared the box. The server forwards at most one a second
 * per person and image (`TYPING_MIN_INTERVAL_MS`) to the image's other viewers, never to the typer's own tabs.
 */
export interface TypingMessage {
  type: 'typing';
  tenantId: string;
  urlId: string;
  chatId: string;
  stopped?: true;
}

export type ClientMessage =
  | PingMessage
  | HelloMessage
  | SubscribeMessage
  | UnsubscribeMessage
  | SubscribeTenantMessage
  | TypingMessage
  | WriteMessage;

// ---- server to client ----

/** Fields every broadcast event carries. */
interface EventEnvelope {
  broadcastId: string;
  tenantId: string;
  urlId: string;
  seq: number;
  chatId: string;
}

export interface NewImageChatEvent extends EventEnvelope { type: 'new-image-chat'; chat: Chat }

/**
 * Only what changed. `change` names the kind of update; the other fields are those it touched.
 * `comment` is the added or edited comment; `commentId` the deleted one.
 */
export interface ImageChatUpdatedEvent extends EventEnvelope {
  type: 'image-chat-updated';
  change: 'comment-added' | 'comment-edited' | 'comment-deleted' | 'moved' | 'resolved';
  comment?: Comment;
  commentId?: string;
  x?: number;
  y?: number;
  resolved?: boolean;
}

export interface DeletedImageChatEvent extends EventEnvelope { type: 'deleted-image-chat' }

export type ImageEvent = NewImageChatEvent | ImageChatUpdatedEvent | DeletedImageChatEvent;

export interface PongMessage { type: 'pong' }
/** The person as the server knows them on this connection (for `tenantId`'s images when the hello named a tenant). */
export interface WelcomeUser extends Author {
  /** An SSO admin or moderator: may delete any comment or marker and resolve any thread. */
  moderator?: boolean;
  /** Where the identity comes from: signed by the site, unsigned from the page, or a guest. */
  kind?: 'sso' | 'simple' | 'guest';
}

export interface WelcomeMessage {
  type: 'welcome';
  user: WelcomeUser;
  session: string;
  /** Set when the hello named a tenant: the identity above holds on its images only. */
  tenantId?: string;
  /** The tenant's rules, when the hello named a tenant: the widget shows "sign in to comment" or read-only from them. */
  rules?: TenantRules;
}

export interface SubscribedSnapshot {
  type: 'subscribed'; tenantId: string; urlId: string; seq: number; epoch: string; reset: true; chats: Chat[];
}
export interface SubscribedReplay {
  type: 'subscribed'; tenantId: string; urlId: string; seq: number; epoch: string; reset: false; events: ImageEvent[];
}
export type SubscribedMessage = SubscribedSnapshot | SubscribedReplay;

export interface UnsubscribedMessage { type: 'unsubscribed'; tenantId: string; urlId: string }
export interface AckMessage { type: 'ack'; broadcastId: string; seq: number }
export interface BatchMessage { type: 'batch'; events: ImageEvent[] }

/**
 * Sent when the server cannot vouch that a subscriber saw every event of an image (e.g. the bus was down);
 * the client answers by subscribing again with `since`.
 */
export interface ResyncMessage { type: 'resync'; tenantId: string; urlId: string }

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** Present when the error answers a write. */
  broadcastId?: string;
  /** The type of the message this error answers, when known. */
  for?: string;
  /** The image the refused subscribe or write named. */
  tenantId?: string;
  urlId?: string;
  /** With `rate-limited` from a budget: milliseconds after which the same request can succeed. */
  retryAfterMs?: number;
}

/**
 * A person listed in an image's presence: signed-in, or a guest who gave a name. Anonymous guests are counted but
 * never listed. `avatar` is only ever an `https:` (or `http:`) URL from SSO; `name` is user text (render as text).
 */
export interface PresenceViewer { id: string; name: string; avatar?: string }

/**
 * Someone writing in the thread `chatId`. For an anonymous guest `id` is an opaque key for this image (not their
 * user id) and there is no `name` ("Someone is typing…"). Shown until a matching `stoppedTyping`, or until
 * `TYPING_EXPIRES_MS` passes without a renewal.
 */
export interface PresenceTyping { id: string; name?: string; chatId: string }

/** The end of a `PresenceTyping` entry: its `id` stopped writing in `chatId`. */
export interface PresenceStoppedTyping { id: string; chatId: string }

/** Fields of every presence frame: always one image the connection is subscribed to, and its exact viewer count. */
interface PresenceEnvelope {
  type: 'presence';
  tenantId: string;
  urlId: string;
  /** Distinct people viewing the image on every node, the receiver included (one person in many tabs counts once). */
  count: number;
}

/**
 * Who is here, sent right after every `subscribed` (unless the tenant turned presence off): the listed viewers in
 * join order, at most `PRESENCE_LIST_MAX`; empty when the tenant's rule `presenceNames` is false.
 */
export interface PresenceSnapshotMessage extends PresenceEnvelope { snapshot: true; viewers: PresenceViewer[] }

/**
 * What changed since the last presence frame of the image (coalesced for `PRESENCE_FLUSH_MS`); an omitted array
 * means no change. `joined` viewers entered the listed set, `left` ids left it. Not an image event: no `seq`,
 * never stored, never in webhooks.
 */
export interface PresenceDeltaMessage extends PresenceEnvelope {
  snapshot?: undefined;
  joined?: PresenceViewer[];
  left?: string[];
  typing?: PresenceTyping[];
  stoppedTyping?: PresenceStoppedTyping[];
}

export type PresenceMessage = PresenceSnapshotMessage | PresenceDeltaMessage;

/** The answer to `subscribe-tenant`. */
export interface SubscribedTenantMessage { type: 'subscribed'; role: 'admin'; tenantId: string }

/** One write on any of the tenant's images, sent to the tenant's admin subscribers (not metered as usage). */
export interface TenantEventMessage { type: 'tenant-event'; tenantId: string; event: ImageEvent }

/**
 * What an admin connection receives besides the frames of `ServerMessage` (kept apart so that image
 * subscribers' `subscribed` keeps its image fields).
 */
export type AdminServerMessage = SubscribedTenantMessage | TenantEventMessage;

export type ServerMessage =
  | PongMessage
  | WelcomeMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | AckMessage
  | BatchMessage
  | ResyncMessage
  | ErrorMessage
  | PresenceMessage
  | ImageEvent;
