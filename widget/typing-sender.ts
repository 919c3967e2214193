/**
 * Tells the image's other viewers that the reader is writing a reply: a `typing` signal at most once per
 * `TYPING_MIN_INTERVAL_MS` while the reply box of an open thread holds text, and only when someone else has the
 * image open; `stopped: true` when the reply is sent, the box is cleared, or the thread closes. A signal that
 * could not be sent (not live) is simply not sent: presence is never queued.
 *
 * @example
 * const typing = new TypingSender((chatId, stopped) => store.sendTyping(chatId, stopped), () => store.presence.othersHere);
 * textarea.addEventListener('input', () => typing.input(chatId, textarea.value));
 * form.addEventListener('submit', () => typing.stop());
 */
import { LIMITS } from '../shared/index.js';

/** Sends one typing signal; returns false when it could not be sent (the connection is not live). */
export type SendTyping = (chatId: string, stopped: boolean) => boolean;

export class TypingSender {
  /** The thread a typing signal was sent for and not yet stopped; null when others see nothing. */
  #active: string | null = null;
  #lastSentAt = -Infinity;

  constructor(
    private readonly send: SendTyping,
    private readonly othersHere: () => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  /** The reply box of thread `chatId` now holds `text` (called on every input). */
  input(chatId: string, text: string): void {
    if (text.trim() === '') {
      this.stop();
      return;
    }
    if (this.#active !== chatId) this.stop();
    if (!this.othersHere()) return;
    // One signal a second, whichever thread: the server forwards no more than that per person and image anyway.
    const now = this.now();
    if (now - this.#lastSentAt < LIMITS.TYPING_MIN_INTERVAL_MS) return;
    if (!this.send(chatId, false)) return;
    this.#active = chatId;
    this.#lastSentAt = now;
  }

  /** The reply was sent, the box cleared, or the thread closed: ends what others see, if they see anything. */
  stop(): void {
    const chatId = this.#active;
    if (chatId === null) return;
    this.#active = null;
    this.send(chatId, true);
  }

  /** The open thread is now `openChatId` (null: none): typing in another one has stopped. */
  follow(openChatId: string | null): void {
    if (this.#active !== null && this.#active !== openChatId) this.stop();
  }
}
