/**
 * Tells the image's other viewers that the reader is writing a reply: a `typing` signal at most once per
 * `TYPING_MIN_INTERVAL_MS` while the reply box of an open thread holds text, and only when someone else has the
 * image open; `stopped: true` when the reply is sent, the box is cleared, or the thread closes. Input that comes
 * too soon after the last signal is signalled once the interval is over (a reply begun right after sending the
 * previous one still shows), unless the reader stopped by then. A signal that cannot be sent (not live) is not
 * sent: presence is never queued.
 *
 * @example
 * const typing = new TypingSender((chatId, stopped) => store.sendTyping(chatId, stopped), () => store.presence.othersHere);
 * textarea.addEventListener('input', () => typing.input(chatId, textarea.value));
 * form.addEventListener('submit', () => typing.stop());
 */
import { LIMITS } from '../shared/index.js';

/** Sends one typing signal; returns false when it could not be sent (the connection is not live). */
export type SendTyping = (chatId: string, stopped: boolean) => boolean;

/** The typing signals of one widget's reply boxes (see the module comment). */
export class TypingSender {
  /** The thread whose reply box the reader is writing in (it holds text); null when they are not. */
  #writingIn: string | null = null;
  /** The thread others were told the reader types in, not yet told they stopped; null when others see nothing. */
  #signalled: string | null = null;
  #lastSentAt = -Infinity;
  /** The signal held back by the interval, sent when it is over. */
  #heldBack: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly send: SendTyping,
    private readonly othersHere: () => boolean,
  ) {}

  /** The reply box of thread `chatId` now holds `text` (called on every input). */
  input(chatId: string, text: string): void {
    if (text.trim() === '') {
      this.stop();
      return;
    }
    if (this.#signalled !== null && this.#signalled !== chatId) this.stop();
    this.#writingIn = chatId;
    this.#signal();
  }

  /** The reply was sent, the box cleared, or the thread closed: ends what others see, if they see anything. */
  stop(): void {
    this.#writingIn = null;
    if (this.#heldBack) clearTimeout(this.#heldBack);
    this.#heldBack = null;
    const chatId = this.#signalled;
    if (chatId === null) return;
    this.#signalled = null;
    this.send(chatId, true);
  }

  /** The open thread is now `openChatId` (null: none): writing in another one has stopped. */
  follow(openChatId: string | null): void {
    const current = this.#writingIn ?? this.#signalled;
    if (current !== null && current !== openChatId) this.stop();
  }

  #signal(): void {
    const chatId = this.#writingIn;
    if (chatId === null || this.#heldBack || !this.othersHere()) return;
    // One signal a second, whichever thread: the server forwards no more than that per person and image anyway.
    const wait = this.#lastSentAt + LIMITS.TYPING_MIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      this.#heldBack = setTimeout(() => {
        this.#heldBack = null;
        this.#signal();
      }, wait);
      return;
    }
    if (!this.send(chatId, false)) return;
    this.#signalled = chatId;
    this.#lastSentAt = Date.now();
  }
}
