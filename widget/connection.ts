/**
 * One WebSocket to one image-chat server, shared by every image (store) on a page that talks to it.
 *
 * DOM-free: it runs in browsers and in Node (pass the `ws` package as `WebSocket`). Once asked to `connect()`, it
 * says hello, keeps the session token, says hello per tenant (`TenantIdentities`: who the person is on each
 * tenant and its rules), subscribes each attached image (again after every reconnect, with `since` and `epoch`), routes
 * frames to the image they belong to, matches acks and errors to writes, notices a silent server with an
 * app-level ping, and reconnects with full-jitter exponential backoff. Every disconnect goes through one funnel,
 * `disconnect(code, reason, reconnect)`; each socket gets a connection id so late callbacks of an old socket are
 * ignored. Its state (`CONNECTION_STATES`) changes in one place, `setState`, which emits only real changes as
 * `{ newState, oldState, reason }`.
 *
 * @example
 * import WebSocket from 'ws';
 * const connection = new WidgetConnection({ url: 'ws://localhost:8080/ws', WebSocket, name: 'Ann' });
 * connection.onState(({ oldState, newState, reason }) => console.log(oldState, '→', newState, reason));
 * connection.connect(); // closed → connecting, then connecting → live on the server's welcome
 * const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'https://example.com/a.png' });
 * store.open();
 */
import {
  CLOSE_CODES, LIMITS, parseServerFrame,
  type AdminServerMessage, type AnyServerMessage, type Author, type ClientMessage, type ErrorCode, type ErrorMessage, type ImageKey,
  type TenantRules, type TypingMessage, type WelcomeUser, type WriteMessage,
} from '../shared/index.js';
import { TenantIdentities, type TenantHelloError, type TenantIdentity } from './tenant-identities.js';
import { ImageChannels } from './image-channels.js';
import { Listeners } from './listeners.js';
import { backoffDelay } from './backoff.js';
import { Heartbeat } from './heartbeat.js';
import type {
  ConnectionOptions, ConnectionState, ConnectionStateChange, FeedChannel, ImageChannel, SocketConstructor, SocketLike, WriteResult,
} from './connection-types.js';

export { indicatorState } from './connection-types.js';
export type { TenantHelloError, TenantIdentity } from './tenant-identities.js';
export type {
  ConnectionOptions, ConnectionState, ConnectionStateChange, FeedChannel, ImageChannel, ImageMessage, IndicatorState, NetworkMonitor, SessionStorage,
  SocketConstructor, SocketLike,
} from './connection-types.js';
import { UnansweredWrites } from './unanswered-writes.js';

/** Close code the client uses for its own disconnects (heartbeat, offline, close()). */
const CLIENT_CLOSE = 1000;
/** The backoff step a client closed for abuse or overload starts from. */
const SLOW_ATTEMPT = 4;
const OPEN = 1;

/**
 * The page's socket to one server (see the module comment). Create one per server, or let `pageSockets` (shared-sockets.ts) do it.
 * @example
 * const connection = new WidgetConnection({ url: 'wss://chat.example.com/ws', name: 'Ann' });
 * connection.connect();
 */
export class WidgetConnection {
  readonly #options: Required<Omit<ConnectionOptions, 'sessionStorage' | 'network' | 'trace' | 'name'>> & ConnectionOptions;
  #socket: SocketLike | null = null;
  /** Incremented for every socket; callbacks carrying an older id are ignored. */
  #connectionId = 0;
  #state: ConnectionState = 'closed';
  #user: Author | null = null;
  #name: string | undefined;
  #session: string | null;
  #attempt = 0;
  #failures = 0;
  /** Between `connect()` and `close()`: the connection keeps (re)connecting while this is true. */
  #wanted = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #heartbeat: Heartbeat;
  readonly #images = new ImageChannels();
  readonly #feeds = new Set<FeedChannel>();
  readonly #writes = new UnansweredWrites();
  readonly #identities: TenantIdentities;
  readonly #stateListeners = new Listeners<ConnectionStateChange>();
  readonly #userListeners = new Listeners<Author>();
  readonly #errorListeners = new Listeners<{ code: ErrorCode; message: string }>();
  #stopWatchingNetwork: (() => void) | null = null;

  constructor(options: ConnectionOptions) {
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
    if (!WebSocketClass) throw new Error('image-chat: no WebSocket here; pass one as the WebSocket option (the "ws" package in Node)');
    this.#options = {
      minDelayMs: 500,
      maxDelayMs: 20_000,
      pingIntervalMs: LIMITS.CLIENT_PING_INTERVAL_MS,
      random: Math.random,
      ...options,
      WebSocket: WebSocketClass,
    };
    this.#name = options.name;
    this.#session = options.sessionStorage?.load() ?? null;
    this.#heartbeat = new Heartbeat(this.#options.pingIntervalMs);
    this.#identities = new TenantIdentities(options.sessionStorage, () => this.#name);
  }

  /** The current state; listen with `onState`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** True when writes can be sent: welcomed on an open socket. */
  get isLive(): boolean {
    return this.#state === 'live' && this.#isOpen();
  }

  /** The user the server knows this connection as, after its `welcome`. */
  get user(): Author | null {
    return this.#user;
  }

  /** Who the person is on a tenant's images (its `welcome`); null before it, or after a refused sign-in. */
  userFor(tenantId: string): WelcomeUser | null {
    return this.#identities.userFor(tenantId);
  }

  /** A tenant's rules, from its `welcome`; null before it. */
  rulesFor(tenantId: string): TenantRules | null {
    return this.#identities.rulesFor(tenantId);
  }

  /**
   * Signs the person in on a tenant (`sso`, or `simpleSso`), or with null logs out to the tenant's guest; says
   * the tenant's hello again at once when open.
   */
  setIdentity(tenantId: string, identity: TenantIdentity | null): void {
    if (this.#identities.set(tenantId, identity) && this.#isOpen()) this.#send(this.#identities.hello(tenantId));
  }

  /** Calls the listener with the tenant whose user or rules may have changed (its welcome or a refusal arrived). */
  onTenant(listener: (tenantId: string) => void): () => void {
    return this.#identities.changes.add(listener);
  }

  /** Calls the listener when a tenant's hello was refused (a bad or expired sign-in, simple SSO off, …). */
  onTenantError(listener: (error: TenantHelloError) => void): () => void {
    return this.#identities.refusals.add(listener);
  }

  /** Calls the listener on every real change of state; returns the function that stops listening. */
  onState(listener: (change: ConnectionStateChange) => void): () => void {
    return this.#stateListeners.add(listener);
  }

  /** Calls the listener with the user from every `welcome`. */
  onUser(listener: (user: Author) => void): () => void {
    return this.#userListeners.add(listener);
  }

  /** Errors that answer neither a write nor a subscription (e.g. a rejected hello). */
  onError(listener: (error: { code: ErrorCode; message: string }) => void): () => void {
    return this.#errorListeners.add(listener);
  }

  /** Changes the display name (says hello again when live). */
  setName(name: string): void {
    this.#name = name;
    if (!this.isLive) return;
    this.#hello();
    for (const hello of this.#identities.renamed()) this.#send(hello);
  }

  /** Starts delivering an image's frames to `channel` and subscribes it (now if live, else on connect). */
  attach(channel: ImageChannel): void {
    this.#images.add(channel);
    if (!this.#isOpen()) return;
    this.#helloTenants([channel.key.tenantId]);
    this.#subscribe(channel.key);
  }

  /** Stops delivering to `channel`; the image is unsubscribed when no channel of it is left. */
  detach(channel: ImageChannel): void {
    if (!this.#images.remove(channel)) return;
    if (this.#isOpen()) this.#send({ type: 'unsubscribe', tenantId: channel.key.tenantId, urlId: channel.key.urlId });
  }

  /** Subscribes again from the channel's resume point (after a gap or a `resync`). No-op while down: connecting will. */
  resubscribe(channel: ImageChannel): void {
    if (this.#images.has(channel) && this.#isOpen()) this.#subscribe(channel.key);
  }

  /** Carries a feed besides the images (the dashboard's tenant feed): subscribes it now if open, and on every open. */
  attachFeed(feed: FeedChannel): void {
    this.#feeds.add(feed);
    if (this.#isOpen()) feed.subscribe((message) => this.#send(message));
  }

  /**
   * Sends a write; resolves with its ack or error. While not live it resolves at once with `unavailable`:
   * writes are never queued.
   */
  write(message: WriteMessage): Promise<WriteResult> {
    if (!this.isLive) {
      return Promise.resolve({ ok: false, code: 'unavailable', message: 'not connected' });
    }
    const answered = this.#writes.add(message);
    this.#send(message);
    return answered;
  }

  /**
   * Sends a typing signal of an image this connection carries; false when not live. Never queued: a signal late
   * is a wrong signal.
   */
  sendTyping(message: TypingMessage): boolean {
    if (!this.isLive) return false;
    this.#send(message);
    return true;
  }

  /**
   * Starts connecting (and reconnecting after every drop) until `close()`. While the browser reports no network
   * it waits, `offline`, for the network to come back. Does nothing when already started.
   */
  connect(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    const network = this.#options.network;
    if (network) {
      this.#stopWatchingNetwork = network.watch((online) => this.#networkChanged(online));
      if (!network.online()) {
        this.#setState('offline', 'the browser is offline');
        return;
      }
    }
    this.#openSocket('connect called');
  }

  /** Stops: no reconnect, timers cleared, writes in flight failed; the state becomes `closed`. `connect()` starts again. */
  close(): void {
    if (!this.#wanted) return;
    this.#wanted = false;
    this.#stopWatchingNetwork?.();
    this.#stopWatchingNetwork = null;
    this.#disconnect(CLIENT_CLOSE, 'closed by the page', false);
  }

  /** Drops the socket now and reconnects after the backoff delay (as after a network failure). */
  reconnect(): void {
    this.#disconnect(CLIENT_CLOSE, 'reconnect requested', true);
  }

  #isOpen(): boolean {
    return this.#socket !== null && this.#socket.readyState === OPEN;
  }

  /** The one place the state changes; listeners hear only real changes. */
  #setState(newState: ConnectionState, reason: string): void {
    const oldState = this.#state;
    if (newState === oldState) return;
    this.#state = newState;
    this.#stateListeners.emit({ newState, oldState, reason });
  }

  /**
   * The state while not live: `connecting` until an attempt has failed since the connection was last live (or
   * since it started), `offline` after that.
   */
  #stateWhileDown(): ConnectionState {
    return this.#failures === 0 ? 'connecting' : 'offline';
  }

  #openSocket(reason: string): void {
    if (!this.#wanted) return;
    this.#clearReconnect();
    const id = ++this.#connectionId;
    this.#setState(this.#stateWhileDown(), reason);
    let socket: SocketLike;
    try {
      socket = new this.#options.WebSocket(this.#options.url);
    } catch {
      this.#disconnect(CLIENT_CLOSE, 'could not open a socket', true);
      return;
    }
    this.#socket = socket;
    // The heartbeat also bounds a connect attempt that hangs.
    this.#heartbeat.start(
      () => id === this.#connectionId && this.#send({ type: 'ping' }),
      () => id === this.#connectionId && this.#disconnect(CLIENT_CLOSE, 'the server stopped answering', true),
    );
    socket.onopen = () => {
      if (id !== this.#connectionId) return;
      this.#heartbeat.heard();
      this.#hello();
      this.#identities.socketOpened();
      const images = this.#images.images();
      this.#helloTenants(images.map((image) => image.tenantId));
      for (const image of images) this.#subscribe(image);
      for (const feed of this.#feeds) feed.subscribe((message) => this.#send(message));
    };
    socket.onmessage = (event) => {
      if (id !== this.#connectionId) return;
      this.#heartbeat.heard();
      const raw = typeof event.data === 'string' ? event.data : String(event.data);
      const message = parseServerFrame(raw);
      if (message) this.#receive(message);
    };
    socket.onclose = (event) => {
      if (id !== this.#connectionId) return;
      this.#disconnect(event.code, event.reason || 'socket closed', true);
    };
    socket.onerror = () => {
      // A close event always follows; the funnel runs there.
    };
  }

  /**
   * The one way down, whatever the cause: clears timers, closes the socket, fails writes in flight, tells the
   * images, sets the state (`closed` after `close()`, `offline` when not reconnecting), and schedules a reconnect
   * when asked to.
   */
  #disconnect(code: number, reason: string, reconnect: boolean): void {
    const socket = this.#socket;
    const wasLive = this.#state === 'live';
    this.#socket = null;
    this.#connectionId += 1;
    this.#heartbeat.stop();
    this.#clearReconnect();
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      // `ws` emits an error when a connecting socket is closed; it must have a listener.
      socket.onerror = () => {};
      try {
        socket.close(CLIENT_CLOSE, reason.slice(0, 100));
      } catch {
        // Already closing or never opened: nothing to close.
      }
    }
    this.#writes.lost(code);
    if (socket) for (const channel of [...this.#images.all(), ...this.#feeds]) channel.connectionLost();
    if (wasLive) this.#failures = 0;
    else if (socket) this.#failures += 1;
    if (!this.#wanted) {
      this.#setState('closed', reason);
      return;
    }
    if (!reconnect) {
      this.#setState('offline', reason);
      return;
    }
    this.#setState(this.#stateWhileDown(), reason);
    // Closed for flooding or overload: do not come straight back; start from a later backoff step (0.5–16 s).
    if (code === CLOSE_CODES.POLICY_VIOLATION || code === CLOSE_CODES.TRY_AGAIN_LATER) this.#attempt = Math.max(this.#attempt, SLOW_ATTEMPT);
    const delay = backoffDelay(this.#attempt, this.#options.minDelayMs, this.#options.maxDelayMs, this.#options.random);
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => this.#openSocket('reconnect attempt'), delay);
  }

  #networkChanged(online: boolean): void {
    if (!this.#wanted) return;
    if (!online) {
      this.#disconnect(CLIENT_CLOSE, 'the browser is offline', false);
      return;
    }
    this.#attempt = 0;
    if (!this.#socket) this.#openSocket('the browser is online');
  }

  #clearReconnect(): void {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
  }

  #hello(): void {
    this.#send({ type: 'hello', ...(this.#name ? { name: this.#name } : {}), ...(this.#session ? { session: this.#session } : {}) });
  }

  /** The hellos of these tenants (and of every tenant signed in) not yet said on this socket. */
  #helloTenants(tenantIds: string[]): void {
    for (const hello of this.#identities.due(tenantIds)) this.#send(hello);
  }

  #subscribe(image: ImageKey): void {
    const message = this.#images.subscribeMessage(image);
    if (message) this.#send(message);
  }

  #send(message: ClientMessage): void {
    if (!this.#socket || !this.#isOpen()) return;
    this.#options.trace?.('out', message);
    this.#socket.send(JSON.stringify(message));
  }

  /** Hands a frame to the first feed that takes it. */
  #offer(frame: AdminServerMessage | ErrorMessage): boolean {
    for (const feed of this.#feeds) if (feed.offer(frame)) return true;
    return false;
  }

  #receive(message: AnyServerMessage): void {
    this.#options.trace?.('in', message);
    switch (message.type) {
      case 'pong':
        return;
      case 'welcome':
        if (message.tenantId !== undefined) {
          this.#identities.welcomed({ ...message, tenantId: message.tenantId });
          return;
        }
        this.#user = message.user;
        this.#session = message.session;
        this.#options.sessionStorage?.save(message.session);
        this.#attempt = 0;
        this.#failures = 0;
        this.#userListeners.emit(message.user);
        this.#setState('live', 'welcome');
        return;
      case 'ack':
        return this.#writes.acked(message.broadcastId, message.seq);
      case 'error': {
        if (message.for === 'hello' && message.tenantId !== undefined) {
          const fallback = this.#identities.refused({ tenantId: message.tenantId, code: message.code, message: message.message });
          if (fallback) this.#send(fallback);
          return;
        }
        if (this.#writes.refused(message)) return;
        const channels = this.#images.of(message);
        for (const channel of channels) channel.receive(message);
        if (channels.length === 0 && !this.#offer(message)) this.#errorListeners.emit({ code: message.code, message: message.message });
        return;
      }
      case 'batch':
        for (const event of message.events) for (const channel of this.#images.of(event)) channel.receive(event);
        return;
      case 'tenant-event':
        this.#offer(message);
        return;
      case 'subscribed':
        // The answer to a feed's `subscribe-tenant` names no image.
        if ('role' in message) this.#offer(message);
        else for (const channel of this.#images.of(message)) channel.receive(message);
        return;
      case 'unsubscribed':
      case 'resync':
      case 'presence':
      case 'new-image-chat':
      case 'image-chat-updated':
      case 'deleted-image-chat': {
        for (const channel of this.#images.of(message)) channel.receive(message);
        return;
      }
    }
  }
}
