/**
 * A raw WebSocket test client: sends objects, keeps every frame it receives (batches unpacked), and waits
 * for a frame matching a predicate.
 */
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { restored, type ImageEvent, type ServerMessage } from '../../shared/index.js';

export class TestClient {
  readonly frames: ServerMessage[] = [];
  /** Every broadcast event received, in arrival order, batches unpacked. */
  readonly events: ImageEvent[] = [];
  closeCode: number | null = null;
  private waiters: { predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];
  private readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      // Whole events again, as every client restores them (shared/event-wire.ts).
      const message = restored(JSON.parse(data.toString()) as ServerMessage) as ServerMessage;
      const unpacked = message.type === 'batch' ? message.events : [message];
      for (const item of unpacked) {
        this.frames.push(item);
        if (item.type === 'new-image-chat' || item.type === 'image-chat-updated' || item.type === 'deleted-image-chat') this.events.push(item);
        for (const waiter of [...this.waiters]) {
          if (!waiter.predicate(item)) continue;
          clearTimeout(waiter.timer);
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(item);
        }
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', (code) => { this.closeCode = code; resolve(code); }));
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers });
    const client = new TestClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Resolves with the first frame (already received or coming) that matches. */
  next<T extends ServerMessage = ServerMessage>(predicate: (m: ServerMessage) => boolean, timeoutMs = 5000, fromIndex = 0): Promise<T> {
    const seen = this.frames.slice(fromIndex).find(predicate);
    if (seen) return Promise.resolve(seen as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`timed out waiting for a frame; last frames: ${JSON.stringify(this.frames.slice(-3))}`));
      }, timeoutMs);
      this.waiters.push({ predicate, resolve: resolve as (m: ServerMessage) => void, reject, timer });
    });
  }

  /** Waits for a frame of a type that arrives after now. */
  nextOfType<T extends ServerMessage = ServerMessage>(type: ServerMessage['type'], timeoutMs = 5000): Promise<T> {
    return this.next<T>((m) => m.type === type, timeoutMs, this.frames.length);
  }

  async subscribe(tenantId: string, urlId: string, extra: { since?: number; epoch?: string } = {}) {
    const from = this.frames.length;
    this.send({ type: 'subscribe', tenantId, urlId, ...extra });
    return this.next<Extract<ServerMessage, { type: 'subscribed' }> | Extract<ServerMessage, { type: 'error' }>>(
      (m) => (m.type === 'subscribed' && m.urlId === urlId) || (m.type === 'error' && m.for === 'subscribe'), 5000, from);
  }

  /** Sends a write and waits for its ack or error. */
  async write(message: Record<string, unknown>) {
    const broadcastId = (message.broadcastId as string | undefined) ?? randomUUID();
    const from = this.frames.length;
    this.send({ broadcastId, ...message });
    return this.next<Extract<ServerMessage, { type: 'ack' }> | Extract<ServerMessage, { type: 'error' }>>(
      (m) => (m.type === 'ack' || m.type === 'error') && m.broadcastId === broadcastId, 5000, from);
  }

  async waitForEvents(count: number, timeoutMs = 5000): Promise<ImageEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${this.events.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.events;
  }

  waitClosed(): Promise<number> {
    return this.closed;
  }

  close(): void {
    this.socket.close();
  }
}
