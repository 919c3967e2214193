/**
 * Who is here, for one image: the exact number of people viewing it, the listed viewers (people with a name) in
 * join order, and who is typing in which thread. Fed by the image's `presence` frames (a snapshot after every
 * `subscribed`, deltas after it) and emptied when the socket drops, so no stale faces show while offline.
 * Ephemeral like the frames themselves: nothing here is stored. DOM-free, so Node tests can drive it.
 *
 * @example
 * store.presence.onChange(() => render(store.presence.count, store.presence.viewers));
 * store.presence.typingIn(openChatId); // [{ id: 'sso:ann', name: 'Ann', chatId }]
 */
import { LIMITS, type PresenceMessage, type PresenceTyping, type PresenceViewer } from '../shared/index.js';
import { Listeners } from './listeners.js';

/** A typing entry kept until its `stoppedTyping`, or until it expires without a renewal. */
interface HeldTyping {
  entry: PresenceTyping;
  expiresAt: number;
}

/** One key per person per thread: a renewal replaces the entry instead of adding one. */
const typingKey = (id: string, chatId: string): string => `${chatId}\n${id}`;

/** One image's presence as one page sees it (see the module comment); the server's per image is `ImagePresence`. */
export class WidgetPresence {
  /** Distinct people viewing, the reader included; 0 while nothing is known (presence off, not yet, offline). */
  #count = 0;
  #viewers = new Map<string, PresenceViewer>();
  /** The listed viewers as an array, rebuilt only when they change (renderers compare by identity). */
  #viewerList: readonly PresenceViewer[] = [];
  readonly #typing = new Map<string, HeldTyping>();
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #changes = new Listeners<void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** How many distinct people view the image now, the reader included; 0 when presence is off or unknown. */
  get count(): number {
    return this.#count;
  }

  /** The listed viewers (signed-in people, guests who gave a name), in join order; anonymous guests never are. */
  get viewers(): readonly PresenceViewer[] {
    return this.#viewerList;
  }

  /** True when someone besides the reader has the image open: only then is typing worth telling. */
  get othersHere(): boolean {
    return this.#count > 1;
  }

  /** Who is typing in the thread `chatId` now, in the order they started. */
  typingIn(chatId: string): PresenceTyping[] {
    return [...this.#typing.values()].filter((held) => held.entry.chatId === chatId).map((held) => held.entry);
  }

  /** Calls the listener after every change (a frame applied, a typing entry expired, everything cleared). */
  onChange(listener: () => void): () => void {
    return this.#changes.add(listener);
  }

  /** Applies one of the image's presence frames: a snapshot replaces everything, a delta changes what it names. */
  receive(frame: PresenceMessage): void {
    this.#count = frame.count;
    if (frame.snapshot) {
      this.#viewers = new Map(frame.viewers.map((viewer) => [viewer.id, viewer]));
      this.#typing.clear();
    } else {
      for (const id of frame.left ?? []) this.#left(id);
      for (const viewer of frame.joined ?? []) this.#viewers.set(viewer.id, viewer);
      for (const { id, chatId } of frame.stoppedTyping ?? []) this.#typing.delete(typingKey(id, chatId));
      const expiresAt = this.now() + LIMITS.TYPING_EXPIRES_MS;
      for (const entry of frame.typing ?? []) {
        const key = typingKey(entry.id, entry.chatId);
        // A renewal keeps its place in the sentence ("Ann and Bob are typing…" does not swap as they type).
        const held = this.#typing.get(key);
        if (held) Object.assign(held, { entry, expiresAt });
        else this.#typing.set(key, { entry, expiresAt });
      }
    }
    this.#viewerList = [...this.#viewers.values()];
    this.#scheduleExpiry();
    this.#changes.emit();
  }

  /** Forgets everything (the socket dropped, or the image was unsubscribed): no stale faces while offline. */
  clear(): void {
    const had = this.#count > 0 || this.#typing.size > 0;
    this.#count = 0;
    this.#viewers = new Map();
    this.#viewerList = [];
    this.#typing.clear();
    this.#scheduleExpiry();
    if (had) this.#changes.emit();
  }

  /** A viewer left the listed set: whatever they were typing ends with them. */
  #left(id: string): void {
    this.#viewers.delete(id);
    for (const [key, held] of this.#typing) if (held.entry.id === id) this.#typing.delete(key);
  }

  /** One timer, for the typing entry that expires first. */
  #scheduleExpiry(): void {
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    if (this.#typing.size === 0) return;
    const first = Math.min(...[...this.#typing.values()].map((held) => held.expiresAt));
    this.#expiryTimer = setTimeout(() => this.#expire(), Math.max(0, first - this.now()));
  }

  #expire(): void {
    this.#expiryTimer = null;
    const now = this.now();
    let expired = false;
    for (const [key, held] of this.#typing) {
      if (held.expiresAt > now) continue;
      this.#typing.delete(key);
      expired = true;
    }
    this.#scheduleExpiry();
    if (expired) this.#changes.emit();
  }
}
