/**
 * The client-side state of one image: its chats keyed by id, kept in step with the server, plus this client's
 * writes applied optimistically on top until the server confirms them.
 *
 * DOM-free, so Node tests can drive it against a real server.
 *
 * Two layers:
 * - `confirmed`: exactly the server's state at `seq`. Events are applied to it in seq order, each once
 *   (`applyEventToChat` from shared/ defines what each means). A short out-of-order run is buffered; a gap that
 *   does not fill within `gapWaitMs` makes the store resubscribe with `since`. `reset: true` replaces it.
 * - optimistic writes (optimistic-writes.ts): each write gets a fresh `broadcastId`, is shown at once (its chat marked pending), and is
 *   dropped from the overlay when its own echo reaches `confirmed` (so the echo is never applied twice), or
 *   rolled back when the server answers with an error. Each has a status (`WRITE_STATUS` in store-states.ts).
 *
 * The subscription has a state too (`SUBSCRIPTION_STATES`), announced by `onSubscription`.
 *
 * @example
 * const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'https://example.com/plan.png' });
 * store.onChange((change) => render(store.chats));
 * store.open();
 * const result = await store.createChat(0.4, 0.6, 'Is this wall load-bearing?');
 * if (!result.ok) showNotice(result.code, result.message);
 */
import { v4 as uuid } from 'uuid';
import {
  LIMITS, SeqReorderBuffer, applyEventToChat, validateWriteMessage,
  type Author, type Chat, type ErrorCode, type ImageEvent, type ImageKey, type WriteMessage,
} from '../shared/index.js';
import type { ImageChannel, ImageMessage, WidgetConnection } from './connection.js';
import { Listeners } from './listeners.js';
import { backoffDelay } from './backoff.js';
import { optimisticEvent } from './optimistic.js';
import { OptimisticWrites } from './optimistic-writes.js';
import { WidgetPresence } from './presence.js';
import type { SubscriptionState, SubscriptionStateChange, WidgetWriteOutcome, WriteStatus } from './store-states.js';

export type { SubscriptionState, SubscriptionStateChange, WidgetWriteOutcome, WriteStatus } from './store-states.js';

/** Retry delays for a subscribe the server answered with `unavailable` or `rate-limited`. */
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 20_000;
/** The longest `retryAfterMs` the widget honours: a budget refills within a minute. */
const RETRY_AFTER_CAP_MS = 60_000;

/** Distributes `Omit` over a union, so each write keeps its own fields. */
type WithoutEnvelope<T> = T extends WriteMessage ? Omit<T, 'broadcastId' | 'tenantId' | 'urlId'> : never;
/** A write as the store's caller describes it; the store adds `broadcastId`, `tenantId` and `urlId`. */
export type WriteRequest = WithoutEnvelope<WriteMessage>;

/** A comment someone else (or this person in another tab) added or edited, live: the widget announces it. */
export interface Remark {
  chatId: string;
  change: 'comment-added' | 'comment-edited';
  author: string;
}

/**
 * What changed. `chatIds` lists the chats whose view changed (null: everything, after a snapshot);
 * `arrived` lists chats created by others that came in live (for a brief highlight); `remarks` the comments
 * others added or edited live.
 */
export interface StoreChange {
  chatIds: ReadonlySet<string> | null;
  arrived: readonly string[];
  remarks: readonly Remark[];
}

/** Tuning of an `ImageStore`; the defaults come from shared/limits.ts. */
export interface ImageStoreOptions {
  /** How long an out-of-order run waits for the missing seq before the store resubscribes. */
  gapWaitMs?: number;
}

/**
 * One image's chats for one client (see the module comment). Writes resolve with their outcome; they never throw.
 * @example
 * const store = new ImageStore(connection, { tenantId: 'demo', urlId: 'demo-floor-plan' });
 * store.open();
 */
export class ImageStore implements ImageChannel {
  readonly key: ImageKey;
  /** Who is viewing the image and typing in its threads (presence.ts); empty while presence is off or offline. */
  readonly presence = new WidgetPresence();
  /** The image's events in seq order: its `last` is the seq the confirmed state stands at. */
  readonly #order: SeqReorderBuffer<ImageEvent>;
  #confirmed = new Map<string, Chat>();
  #view = new Map<string, Chat>();
  /** Others' comments applied since the last change was told (`#refresh` hands them on). */
  #remarks: Remark[] = [];
  #epoch: string | undefined;
  #ready = false;
  /** A subscribe answered `unavailable` or `rate-limited` is retried with backoff; reset by the next `subscribed`. */
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #retryAttempt = 0;
  readonly #pending = new OptimisticWrites();
  #subscription: SubscriptionState = 'unsubscribed';
  readonly #subscriptionListeners = new Listeners<SubscriptionStateChange>();
  readonly #changeListeners = new Listeners<StoreChange>();
  readonly #errorListeners = new Listeners<{ code: ErrorCode; message: string }>();
  #opened = false;

  /** @param connection the socket this image is subscribed over (shared with other images of its server) */
  constructor(readonly connection: WidgetConnection, key: ImageKey, options: ImageStoreOptions = {}) {
    this.key = { tenantId: key.tenantId, urlId: key.urlId };
    // A gap that does not fill (an event lost between nodes, or an acknowledged seq whose echo never came) is
    // fetched by resubscribing with `since`.
    this.#order = new SeqReorderBuffer<ImageEvent>({ gapWaitMs: options.gapWaitMs ?? LIMITS.GAP_WAIT_MS, onGap: () => this.connection.resubscribe(this) });
  }

  /** Last seq applied to the confirmed state; null before the first `subscribed`. */
  get seq(): number | null {
    return this.#order.last;
  }

  /** The image history's epoch from the last `subscribed`. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** True once the first snapshot or replay has been applied. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The chats as shown: confirmed state with this client's pending writes on top, oldest first. */
  get chats(): Chat[] {
    return [...this.#view.values()].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  /** The server's state as this client knows it at `seq`, without pending writes (for convergence checks). */
  confirmedChats(): Chat[] {
    return [...this.#confirmed.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** One chat as shown. The same object until that chat changes, so a renderer can compare by identity. */
  chat(chatId: string): Chat | undefined {
    return this.#view.get(chatId);
  }

  /** True while a write to this chat waits for its ack. */
  isPending(chatId: string): boolean {
    return this.#pending.isPending(chatId);
  }

  /** Where a write of this store stands, by its `broadcastId`; undefined once settled (or unknown). */
  writeStatus(broadcastId: string): WriteStatus | undefined {
    return this.#pending.statusOf(broadcastId);
  }

  /** The image's subscription state; listen with `onSubscription`. */
  get subscription(): SubscriptionState {
    return this.#subscription;
  }

  /** Calls the listener on every real change of the subscription state. */
  onSubscription(listener: (change: SubscriptionStateChange) => void): () => void {
    return this.#subscriptionListeners.add(listener);
  }

  /** Calls the listener after every change of the shown chats. */
  onChange(listener: (change: StoreChange) => void): () => void {
    return this.#changeListeners.add(listener);
  }

  /** Errors about the image itself (e.g. the tenant does not exist). Write errors come back from the write. */
  onError(listener: (error: { code: ErrorCode; message: string }) => void): () => void {
    return this.#errorListeners.add(listener);
  }

  /** Subscribes the image on the connection (now or when it connects). */
  open(): void {
    if (this.#opened) return;
    this.#opened = true;
    this.#setSubscription('subscribing', 'open');
    this.connection.attach(this);
  }

  /** Unsubscribes; the state stays readable. */
  close(): void {
    if (!this.#opened) return;
    this.#opened = false;
    this.#order.pause();
    this.#clearRetryTimer();
    this.#setSubscription('unsubscribed', 'close');
    this.connection.detach(this);
    this.presence.clear();
  }

  /** The one place the subscription state changes; listeners hear only real changes. */
  #setSubscription(newState: SubscriptionState, reason: string): void {
    const oldState = this.#subscription;
    if (newState === oldState) return;
    this.#subscription = newState;
    this.#subscriptionListeners.emit({ newState, oldState, reason });
  }

  // ---- writes ----

  /**
   * Creates a marker at (x, y), 0..1 of the image, with its first comment. The outcome's `chatId` is the new
   * marker's; pass `chatId` (a UUID) to know it before the answer, e.g. to focus the marker shown at once.
   */
  createChat(x: number, y: number, text: string, chatId: string = uuid()): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'create-chat', x, y, text, chatId, commentId: uuid() });
  }

  /** Replies in a chat's thread. */
  addComment(chatId: string, text: string): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'add-comment', chatId, text, commentId: uuid() });
  }

  /** Changes the text of one's own comment. */
  editComment(chatId: string, commentId: string, text: string): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'edit-comment', chatId, commentId, text });
  }

  /** Deletes one's own comment (not the first: that is the marker's). */
  deleteComment(chatId: string, commentId: string): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'delete-comment', chatId, commentId });
  }

  /** Moves one's own marker to (x, y), 0..1 of the image. */
  moveChat(chatId: string, x: number, y: number): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'move-chat', chatId, x, y });
  }

  /** Resolves or reopens a chat (anyone may). */
  resolveChat(chatId: string, resolved: boolean): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'resolve-chat', chatId, resolved });
  }

  /** Deletes one's own marker and its thread. */
  deleteChat(chatId: string): Promise<WidgetWriteOutcome> {
    return this.write({ type: 'delete-chat', chatId });
  }

  /**
   * Validates the write as the server would, applies it optimistically and sends it. Refused at once (nothing
   * shown) when invalid or while the connection is not live; writes are never queued.
   */
  write(request: WriteRequest): Promise<WidgetWriteOutcome> {
    const broadcastId = uuid();
    // A new marker's id is made here when the caller did not: the optimistic marker keeps it once stored.
    const filled = request.type === 'create-chat' ? { ...request, chatId: request.chatId ?? uuid() } : request;
    const refused = (code: ErrorCode, message: string): Promise<WidgetWriteOutcome> =>
      Promise.resolve({ ok: false, code, message, broadcastId, chatId: filled.chatId ?? '' });
    const checked = validateWriteMessage({ ...filled, broadcastId, tenantId: this.key.tenantId, urlId: this.key.urlId });
    if (!checked.ok) return refused(checked.code, checked.error);
    const message = checked.message;
    if (!this.connection.isLive) return refused('unavailable', 'offline: changes cannot be saved right now');
    const shown = message.type === 'create-chat' ? null : (this.#view.get(message.chatId) ?? null);
    const event = optimisticEvent(message, shown, this.#me(), Date.now());
    if (!event) return refused('not-found', 'no such chat or comment on this image');
    return new Promise<WidgetWriteOutcome>((resolve) => {
      const write = { message, event, status: 'sent' as const, seq: null, resolve };
      this.#pending.add(write);
      this.#refresh(new Set([event.chatId]), []);
      this.connection.write(message).then((result) => {
        // A write lost with the socket is settled by `connectionLost` and the next `subscribed`.
        if (result.ok) {
          // The echo is due: if it never comes (lost between nodes), the gap check resubscribes to fetch it.
          this.#order.learn(result.seq);
          this.#pending.acknowledged(write, result.seq, this.#order.last);
        } else if (!result.lost) {
          this.#pending.refused(write, result.code, result.message);
        }
        // The chat may look the same and still have stopped being pending: its renderer is told either way.
        this.#refresh(new Set([event.chatId]), [], event.chatId);
      });
    });
  }

  /**
   * Tells the image's other viewers that the reader is writing in `chatId` (or, `stopped`, no longer is). Not a
   * write: no answer, nothing stored, not sent while offline. Returns false when it was not sent.
   */
  sendTyping(chatId: string, stopped = false): boolean {
    return this.connection.sendTyping({ type: 'typing', ...this.key, chatId, ...(stopped ? { stopped: true } : {}) });
  }

  #me(): Author {
    // The tenant's own identity (signed in, or its guest) when it has welcomed us, else the connection's guest.
    const { id, name, avatar } = this.connection.userFor(this.key.tenantId) ?? this.connection.user ?? { id: '', name: 'Guest' };
    return { id, name, ...(avatar ? { avatar } : {}) };
  }

  // ---- frames from the connection (ImageChannel) ----

  /** @internal Where to resume after a reconnect or gap. */
  resumePoint(): { since?: number; epoch?: string } {
    const since = this.#order.last;
    return since === null || this.#epoch === undefined ? {} : { since, epoch: this.#epoch };
  }

  /** @internal Called by the connection when its socket closed. */
  connectionLost(): void {
    this.#order.pause();
    this.#clearRetryTimer(); // the reconnect resubscribes anyway
    if (this.#opened) this.#setSubscription('subscribing', 'connection lost');
    this.#pending.connectionLost();
    this.presence.clear();
  }

  /** @internal A frame for this image, from the connection. */
  receive(message: ImageMessage): void {
    switch (message.type) {
      case 'subscribed':
        return this.#subscribed(message);
      case 'unsubscribed':
        return;
      case 'presence':
        // Not an image event: no seq, nothing stored; the snapshot after every `subscribed` replaces the last.
        return this.presence.receive(message);
      case 'resync':
        this.connection.resubscribe(this);
        return;
      case 'error':
        // A typing signal is best effort (one sent while a resubscribe is read): its refusal is not the reader's concern.
        if (message.for === 'typing') return;
        this.#errorListeners.emit({ code: message.code, message: message.message });
        // The server could not serve the subscription just now (its database is down, or this reader's read
        // budget is spent): try again later, never before the server said to.
        if ((message.code === 'unavailable' || message.code === 'rate-limited') && this.#opened) {
          this.#setSubscription('retrying', message.code);
          this.#scheduleRetry(message.retryAfterMs ?? 0);
        } else if (message.for === 'subscribe') {
          this.#setSubscription('unsubscribed', `refused: ${message.code}`);
        }
        return;
      case 'new-image-chat':
      case 'image-chat-updated':
      case 'deleted-image-chat':
        return this.#event(message);
    }
  }

  #subscribed(message: ImageMessage & { type: 'subscribed' }): void {
    this.#retryAttempt = 0;
    this.#clearRetryTimer();
    this.#setSubscription('subscribed', message.reset ? 'snapshot' : 'replay');
    const touched = new Set<string>();
    const arrived: string[] = [];
    let all = false;
    if (message.reset) {
      all = true;
      this.#confirmed = new Map(message.chats.map((chat) => [chat.id, chat]));
      this.#applyRun(this.#order.moveTo(message.seq), touched, arrived);
    } else {
      for (const event of message.events) this.#applyRun(this.#order.offer(event.seq, event), touched, arrived);
      // The replay ends at the image's seq; anything the store still lacks below it is not coming.
      const last = this.#order.last;
      if (last === null || last < message.seq) this.#applyRun(this.#order.moveTo(message.seq), touched, arrived);
    }
    this.#epoch = message.epoch;
    // The answer's seq is the image's head: an ack above it can only be of another history (a new epoch).
    this.#order.forgetAbove(message.seq);
    this.#ready = true;
    // Writes in doubt are settled by what the answer shows; acknowledged ones it includes leave the overlay.
    this.#pending.settle(this.#order.last ?? 0, (write) => this.#visibleInConfirmed(write), touched);
    this.#refresh(all ? null : touched, arrived);
  }

  #event(event: ImageEvent): void {
    // Ahead of the next seq (or before the first snapshot) it is held; at or below the seq it is already in.
    const run = this.#order.offer(event.seq, event);
    if (run.length === 0) return;
    const touched = new Set<string>();
    const arrived: string[] = [];
    this.#applyRun(run, touched, arrived);
    this.#refresh(touched, arrived);
  }

  /** Applies events the reorder buffer released, in seq order, to the confirmed state. */
  #applyRun(run: readonly ImageEvent[], touched: Set<string>, arrived: string[]): void {
    for (const event of run) this.#apply(event, touched, arrived);
  }

  #apply(event: ImageEvent, touched: Set<string>, arrived: string[]): void {
    const next = applyEventToChat(this.#confirmed.get(event.chatId) ?? null, event);
    if (next) this.#confirmed.set(event.chatId, next);
    else this.#confirmed.delete(event.chatId);
    touched.add(event.chatId);
    // Our own echo: the change is already shown, so it is not applied on top again; the server's copy replaces
    // the optimistic one. Others' new markers are announced as arrivals, their replies and edits as remarks.
    if (this.#pending.echoArrived(event)) return;
    if (event.type === 'new-image-chat') arrived.push(event.chatId);
    if (event.type === 'image-chat-updated' && event.comment && (event.change === 'comment-added' || event.change === 'comment-edited')) {
      this.#remarks.push({ chatId: event.chatId, change: event.change, author: event.comment.author.name });
    }
  }

  /**
   * A write whose echo was not seen can still be in a snapshot (`reset: true` carries no events): its
   * client-made chat or comment id then shows it was stored.
   */
  #visibleInConfirmed(message: WriteMessage): boolean {
    if (message.type === 'create-chat') return message.chatId !== undefined && this.#confirmed.has(message.chatId);
    if (message.type === 'add-comment') {
      const commentId = message.commentId;
      return commentId !== undefined && (this.#confirmed.get(message.chatId)?.comments.some((c) => c.id === commentId) ?? false);
    }
    return false;
  }

  #scheduleRetry(notBeforeMs: number): void {
    if (this.#retryTimer) return;
    const delay = Math.max(Math.min(notBeforeMs, RETRY_AFTER_CAP_MS), backoffDelay(this.#retryAttempt, RETRY_MIN_MS, RETRY_MAX_MS));
    this.#retryAttempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#opened) return;
      this.#setSubscription('subscribing', 'retry');
      this.connection.resubscribe(this);
    }, delay);
  }

  #clearRetryTimer(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /**
   * Recomputes the shown chats that may have changed and tells listeners which did; `settled` names a chat
   * whose pending state changed (an answer came) even if it looks the same.
   */
  #refresh(chatIds: ReadonlySet<string> | null, arrived: readonly string[], settled?: string): void {
    const ids = chatIds ?? new Set([...this.#view.keys(), ...this.#confirmed.keys(), ...this.#pending.chatIds()]);
    const changed = new Set<string>(settled === undefined ? [] : [settled]);
    for (const id of ids) {
      const chat = this.#pending.overlay(id, this.#confirmed.get(id) ?? null);
      const before = this.#view.get(id);
      if (chat) {
        if (before === chat) continue;
        this.#view.set(id, chat);
      } else {
        if (!before) continue;
        this.#view.delete(id);
      }
      changed.add(id);
    }
    const remarks = this.#remarks.splice(0);
    if (changed.size === 0 && chatIds !== null && arrived.length === 0 && remarks.length === 0) return;
    this.#changeListeners.emit({ chatIds: chatIds === null ? null : changed, arrived, remarks });
  }
}
