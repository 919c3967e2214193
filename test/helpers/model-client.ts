/**
 * A minimal, independent model of a correct client of one image, for cluster tests: it applies the
 * snapshot and then events strictly in seq order, resubscribes with `since` on a gap, a `resync` or a
 * reconnect (to another node when its own is gone), and records what the server sent so tests can check
 * the guarantees: nothing delivered twice within a subscription, nothing applied twice, no seq skipped.
 * (The randomized convergence test drives the widget's own store and connection instead.)
 */
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import { applyEventToChat, restored, type Chat, type ImageEvent, type ImageKey, type ServerMessage } from '../../shared/index.js';

export type WriteAnswer = { ok: true; seq: number; broadcastId: string } | { ok: false; code: string; broadcastId: string };

const GAP_WAIT_MS = 1000;

export class ModelClient {
  readonly chats = new Map<string, Chat>();
  seq: number | null = null;
  epoch: string | undefined;
  /** Seqs applied one by one since the last snapshot, in order. */
  applied: number[] = [];
  /** Snapshots taken (the first subscribe included). */
  snapshots = 0;
  /** Events the server sent twice within one subscription (must stay 0). */
  duplicates = 0;
  /** Events applied whose seq was not the next one (must stay 0). */
  skipped = 0;
  /** Events received live, in all subscriptions. */
  received = 0;
  resyncs = 0;
  connects = 0;
  url = '';
  private socket: WebSocket | null = null;
  private live = false;
  /** Highest seq this subscription has sent (the `subscribed` seq, then live events). */
  private subscriptionHigh = 0;
  private readonly early = new Map<number, ImageEvent>();
  private gapTimer: NodeJS.Timeout | null = null;
  private readonly waiting = new Map<string, (answer: WriteAnswer) => void>();
  private stopped = false;
  private nextUrl = 0;

  /** @param urls the nodes to try, in turn, on each (re)connect */
  constructor(readonly key: ImageKey, private readonly urls: () => string[], private readonly preferred = 0) {
    this.nextUrl = preferred;
  }

  /** Connects and subscribes; resolves once the first `subscribed` arrived. */
  async start(): Promise<void> {
    await this.connect();
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Sends a write; resolves with its ack or error, or `unavailable` when the socket closes first. */
  write(fields: Record<string, unknown>): Promise<WriteAnswer> {
    const broadcastId = randomUUID();
    if (!this.live || !this.socket) return Promise.resolve({ ok: false, code: 'unavailable', broadcastId });
    this.socket.send(JSON.stringify({ broadcastId, ...this.key, ...fields }));
    return new Promise((resolve) => this.waiting.set(broadcastId, resolve));
  }

  /** Drops the socket as a network failure would; the client reconnects. */
  dropConnection(): void {
    this.socket?.terminate();
  }

  stop(): void {
    this.stopped = true;
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.socket?.terminate();
  }

  private async connect(): Promise<void> {
    while (!this.stopped) {
      const urls = this.urls();
      const url = urls[this.nextUrl % Math.max(1, urls.length)];
      this.nextUrl += 1;
      if (!url) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      try {
        await this.open(url);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      let subscribed = false;
      socket.on('open', () => {
        this.socket = socket;
        this.url = url;
        this.connects += 1;
        this.subscribe();
      });
      socket.on('message', (data) => {
        const message = restored(JSON.parse(data.toString()) as ServerMessage) as ServerMessage;
        this.receive(message);
        if (!subscribed && message.type === 'subscribed') {
          subscribed = true;
          resolve();
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (this.socket === socket) this.lost();
        if (!subscribed) reject(new Error(`no subscription on ${url}`));
        else if (!this.stopped) setTimeout(() => void this.connect(), 50 + Math.random() * 100);
      });
    });
  }

  private lost(): void {
    this.socket = null;
    this.live = false;
    const waiting = [...this.waiting.entries()];
    this.waiting.clear();
    for (const [broadcastId, resolve] of waiting) resolve({ ok: false, code: 'unavailable', broadcastId });
  }

  private subscribe(): void {
    this.live = false;
    this.early.clear();
    const resume = this.seq === null ? {} : { since: this.seq, epoch: this.epoch };
    this.socket?.send(JSON.stringify({ type: 'subscribe', ...this.key, ...resume }));
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'batch':
        for (const event of message.events) this.event(event);
        return;
      case 'new-image-chat':
      case 'image-chat-updated':
      case 'deleted-image-chat':
        return this.event(message);
      case 'subscribed':
        if (message.reset) {
          this.chats.clear();
          for (const chat of message.chats) this.chats.set(chat.id, chat);
          this.seq = message.seq;
          this.applied = [];
          this.snapshots += 1;
        } else {
          for (const event of message.events) this.apply(event);
          if (this.seq !== message.seq) this.skipped += 1;
        }
        this.epoch = message.epoch;
        this.subscriptionHigh = message.seq;
        this.live = true;
        this.drainEarly();
        return;
      case 'resync':
        this.resyncs += 1;
        return this.subscribe();
      case 'ack':
        this.answer(message.broadcastId, { ok: true, seq: message.seq, broadcastId: message.broadcastId });
        return;
      case 'error':
        if (message.broadcastId) this.answer(message.broadcastId, { ok: false, code: message.code, broadcastId: message.broadcastId });
        return;
      default:
        return;
    }
  }

  private answer(broadcastId: string, answer: WriteAnswer): void {
    const resolve = this.waiting.get(broadcastId);
    this.waiting.delete(broadcastId);
    resolve?.(answer);
  }

  private event(event: ImageEvent): void {
    // Before `subscribed` these are the previous subscription's last events: the answer covers them.
    if (!this.live) return;
    this.received += 1;
    if (event.seq <= this.subscriptionHigh) this.duplicates += 1;
    else this.subscriptionHigh = event.seq;
    if (this.seq === null || event.seq <= this.seq) return;
    if (event.seq > this.seq + 1) {
      this.early.set(event.seq, event);
      this.gapTimer ??= setTimeout(() => {
        this.gapTimer = null;
        if (this.early.size > 0) this.subscribe();
      }, GAP_WAIT_MS);
      return;
    }
    this.apply(event);
    this.drainEarly();
  }

  private drainEarly(): void {
    while (this.seq !== null && this.early.has(this.seq + 1)) {
      const next = this.early.get(this.seq + 1)!;
      this.early.delete(next.seq);
      this.apply(next);
    }
    for (const seq of [...this.early.keys()]) if (this.seq !== null && seq <= this.seq) this.early.delete(seq);
    if (this.early.size === 0 && this.gapTimer) {
      clearTimeout(this.gapTimer);
      this.gapTimer = null;
    }
  }

  private apply(event: ImageEvent): void {
    if (this.seq === null || event.seq <= this.seq) return;
    if (event.seq !== this.seq + 1) this.skipped += 1;
    const after = applyEventToChat(this.chats.get(event.chatId) ?? null, event);
    if (after) this.chats.set(after.id, after);
    else this.chats.delete(event.chatId);
    this.seq = event.seq;
    this.applied.push(event.seq);
  }
}

/** Chats sorted by id, for comparing states. */
export const sortedChats = (chats: Iterable<Chat>): Chat[] => [...chats].sort((a, b) => a.id.localeCompare(b.id));
