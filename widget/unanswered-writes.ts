/**
 * The writes a connection sent on its socket and the server has not answered yet, by `broadcastId`: an `ack` or
 * an `error` settles one; a lost socket fails them all as `lost` (their stores then settle the doubt).
 */
import type { ErrorMessage, WriteMessage } from '../shared/index.js';
import type { WriteResult } from './connection-types.js';

export class UnansweredWrites {
  readonly #waiting = new Map<string, (result: WriteResult) => void>();

  /** Registers a write about to be sent; resolves with the server's answer or the socket's loss. */
  add(message: WriteMessage): Promise<WriteResult> {
    return new Promise((resolve) => this.#waiting.set(message.broadcastId, resolve));
  }

  acked(broadcastId: string, seq: number): void {
    this.#take(broadcastId)?.({ ok: true, seq });
  }

  /** An error frame: true when it answered one of these writes. */
  refused(error: ErrorMessage): boolean {
    const resolve = error.broadcastId === undefined ? undefined : this.#take(error.broadcastId);
    resolve?.({ ok: false, code: error.code, message: error.message });
    return resolve !== undefined;
  }

  /** The socket closed with `code`: none of them will be answered on it. */
  lost(code: number): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const resolve of waiting) resolve({ ok: false, code: 'unavailable', message: `connection lost (${code})`, lost: true });
  }

  #take(broadcastId: string): ((result: WriteResult) => void) | undefined {
    const resolve = this.#waiting.get(broadcastId);
    this.#waiting.delete(broadcastId);
    return resolve;
  }
}
