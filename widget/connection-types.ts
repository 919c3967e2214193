/**
 * The types around the widget's connection: its states and their changes, what it needs from a WebSocket, from
 * storage and the network, what it asks of an image's store, and how a write ends.
 * `connection.ts` re-exports them all.
 */
import type {
  AdminServerMessage, ClientMessage, ErrorCode, ErrorMessage, ImageEvent, ImageKey, PresenceMessage, ResyncMessage, ServerMessage, SubscribedMessage, UnsubscribedMessage,
} from '../shared/index.js';

/**
 * The connection's states. `connecting`: a first attempt (or the first after being live) is under way.
 * `live`: open and welcomed. `offline`: down, retrying in the background (or waiting for the browser's network).
 * `closed`: not trying at all: before `connect()` and after `close()`.
 */
export const CONNECTION_STATES = {
  CONNECTING: 'connecting',
  LIVE: 'live',
  OFFLINE: 'offline',
  CLOSED: 'closed',
} as const;

export type ConnectionState = (typeof CONNECTION_STATES)[keyof typeof CONNECTION_STATES];

/** One real change of the connection's state, with the cause (a close reason, `welcome`, `connect called`, …). */
export interface ConnectionStateChange {
  newState: ConnectionState;
  oldState: ConnectionState;
  reason: string;
}

/** What the widget's live indicator shows (its `data-state`): a closed connection shows as offline. */
export type IndicatorState = Exclude<ConnectionState, 'closed'>;

/**
 * The one place that decides what the reader is told about the connection: `live` only when welcomed on an
 * open socket; `closed` reads as `offline`.
 */
export function indicatorState(state: ConnectionState): IndicatorState {
  return state === 'closed' ? 'offline' : state;
}

/** Method syntax keeps handler parameters bivariant, so both the browser's WebSocket and `ws` fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the connection uses; the browser's `WebSocket` and the `ws` package both have it. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/** A WebSocket class: the browser's, or `ws` in Node. */
export type SocketConstructor = new (url: string) => SocketLike;

/**
 * Where session tokens are kept between page loads (localStorage in the browser): the connection's own, and one
 * per tenant (a tenant's token is an identity on that tenant only).
 */
export interface SessionStorage {
  load(tenantId?: string): string | null;
  save(token: string, tenantId?: string): void;
}

/** The browser's view of the network (`navigator.onLine` and the online/offline events). */
export interface NetworkMonitor {
  online(): boolean;
  /** Calls the listener with the new value on every change; returns the function that stops listening. */
  watch(listener: (online: boolean) => void): () => void;
}

export interface ConnectionOptions {
  /** The WebSocket URL, e.g. `ws://localhost:8080/ws`. */
  url: string;
  /** WebSocket constructor; defaults to the global one (browsers, Node 22+). */
  WebSocket?: SocketConstructor;
  /** Display name sent in `hello`. */
  name?: string;
  sessionStorage?: SessionStorage;
  network?: NetworkMonitor;
  /** First reconnect delay; delays grow exponentially with full jitter up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** App-level ping interval; no frame at all for twice this long means the server is gone. */
  pingIntervalMs?: number;
  /** Random source in [0, 1), replaceable for deterministic tests of the backoff. */
  random?: () => number;
  /** Sees every frame in and out (debugging and tests). */
  trace?: (direction: 'in' | 'out', frame: ClientMessage | ServerMessage | AdminServerMessage) => void;
}

/** Frames that concern one image, handed to its channel. */
export type ImageMessage =
  | SubscribedMessage
  | UnsubscribedMessage
  | ResyncMessage
  | PresenceMessage
  | ImageEvent
  | ErrorMessage;

/** What the connection needs from an image's store. `ImageStore` implements it. */
export interface ImageChannel {
  readonly key: ImageKey;
  /** Where to resume: the last applied seq and its epoch, or `{}` for a snapshot. */
  resumePoint(): { since?: number; epoch?: string };
  /** A frame for this image. */
  receive(message: ImageMessage): void;
  /** The socket closed: writes in flight may or may not have been stored. */
  connectionLost(): void;
}

/** The answer to a write: the seq it was stored at, or why it was refused. `lost` means the socket closed first. */
export type WriteResult =
  | { ok: true; seq: number }
  | { ok: false; code: ErrorCode; message: string; lost?: boolean };

/**
 * A subscription besides the images' that rides on the connection, such as the dashboard's tenant feed
 * (`dashboard/tenant-feed.ts`). It is subscribed on every open, after hello and the images, and offered each
 * frame that no image and no write took.
 */
export interface FeedChannel {
  /** The socket opened and said hello: send this channel's subscribe (again after every reconnect). */
  subscribe(send: (message: ClientMessage) => void): void;
  /** A tenant admin's frame, or an error no image or write took; returns true when it was this channel's. */
  offer(frame: AdminServerMessage | ErrorMessage): boolean;
  /** The socket closed; `subscribe` follows when it opens again. */
  connectionLost(): void;
}
