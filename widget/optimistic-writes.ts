/**
 * This client's writes to one image while the server has not settled them: shown on top of the confirmed state,
 * each with its status (`WRITE_STATUS`), resolved when its ack and echo are in, when it is refused, or when the
 * next `subscribed` settles a doubt. The one place a write's status changes.
 */
import type { Chat, ErrorCode, ImageEvent, WriteMessage } from '../shared/index.js';
import { applyOptimistic } from './optimistic.js';
import { isShownOnTop, isUnconfirmed, type OptimisticWrite, type WidgetWriteOutcome, type WriteStatus } from './store-states.js';

const stored = (write: OptimisticWrite, seq: number): WidgetWriteOutcome =>
  ({ ok: true, seq, broadcastId: write.message.broadcastId, chatId: write.event.chatId });

/**
 * @example
 * const writes = new OptimisticWrites();
 * writes.add({ message, event, status: 'sent', seq: null, resolve });
 * writes.acknowledged(write, 7, store.seq);
 */
export class OptimisticWrites {
  #writes: OptimisticWrite[] = [];

  add(write: OptimisticWrite): void {
    this.#writes.push(write);
  }

  /** True while a write to this chat waits for its ack. */
  isPending(chatId: string): boolean {
    return this.#writes.some((write) => isUnconfirmed(write) && write.event.chatId === chatId);
  }

  /** Where a write stands, by its `broadcastId`; undefined once settled (or unknown). */
  statusOf(broadcastId: string): WriteStatus | undefined {
    return this.#writes.find((write) => write.message.broadcastId === broadcastId)?.status;
  }

  /** The chats unsettled writes touch. */
  chatIds(): string[] {
    return this.#writes.map((write) => write.event.chatId);
  }

  /** `chat` as shown: the confirmed one with the writes whose echo is not in yet laid on top, oldest first. */
  overlay(chatId: string, chat: Chat | null): Chat | null {
    for (const write of this.#writes) if (isShownOnTop(write) && write.event.chatId === chatId) chat = applyOptimistic(chat, write.event);
    return chat;
  }

  /** Its ack came with `seq`: done if its echo is already in (`appliedSeq` reached it), else `acked`. */
  acknowledged(write: OptimisticWrite, seq: number, appliedSeq: number | null): void {
    if (write.status === 'echoed' || (appliedSeq ?? -1) >= seq) this.#remove(write);
    else this.#setStatus(write, 'acked', seq);
    write.resolve(stored(write, seq));
  }

  /** The server refused it: it leaves the overlay. */
  refused(write: OptimisticWrite, code: ErrorCode, message: string): void {
    this.#remove(write);
    write.resolve({ ok: false, code, message, broadcastId: write.message.broadcastId, chatId: write.event.chatId });
  }

  /**
   * An event reached the confirmed state: if it is the echo of one of these writes, that write is no longer laid
   * on top (and is done if its ack is in, or stored if it was in doubt). Answers whether it was one of ours.
   */
  echoArrived(event: ImageEvent): boolean {
    const own = this.#writes.find((write) => write.message.broadcastId === event.broadcastId);
    if (!own) return false;
    // The write stays listed only until its ack settles it; one in doubt (its ack lost with the socket, its
    // echo in the replay) was stored.
    if (own.status === 'sent') this.#setStatus(own, 'echoed', event.seq);
    else this.#remove(own);
    if (own.status === 'in-doubt') own.resolve(stored(own, event.seq));
    return true;
  }

  /** The socket closed before the answers: an echoed write was stored; one only sent is in doubt until resubscribed. */
  connectionLost(): void {
    for (const write of [...this.#writes]) {
      if (write.status === 'sent') this.#setStatus(write, 'in-doubt', null);
      else if (write.status === 'echoed') {
        this.#remove(write);
        write.resolve(stored(write, write.seq ?? 0));
      }
    }
  }

  /**
   * After a `subscribed` at `seq`: writes in doubt whose echo did not come back are stored only if `isVisible`
   * (the snapshot shows them), and acknowledged writes at or below `seq` leave the overlay. Adds their chats to
   * `touched`.
   */
  settle(seq: number, isVisible: (message: WriteMessage) => boolean, touched: Set<string>): void {
    for (const write of [...this.#writes]) {
      if (write.status !== 'in-doubt') continue;
      this.#remove(write);
      touched.add(write.event.chatId);
      if (isVisible(write.message)) write.resolve(stored(write, seq));
      else write.resolve({ ok: false, code: 'unavailable', message: 'the connection dropped before the server confirmed this change', broadcastId: write.message.broadcastId, chatId: write.event.chatId });
    }
    for (const write of [...this.#writes]) {
      if (write.status !== 'acked' || (write.seq ?? 0) > seq) continue;
      this.#remove(write);
      touched.add(write.event.chatId);
    }
  }

  #setStatus(write: OptimisticWrite, status: WriteStatus, seq: number | null): void {
    write.status = status;
    write.seq = seq;
  }

  #remove(write: OptimisticWrite): void {
    this.#writes = this.#writes.filter((item) => item !== write);
  }
}
