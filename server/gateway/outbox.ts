/**
 * The send side of one connection. Frames queued in one turn of the event loop go out together: runs of
 * events become `batch` frames (per tenant, so metering stays exact), everything else goes out as is, in
 * the order it was queued. Event frames are UTF-8 bytes encoded once per node and shared by every
 * subscriber: they are sent as text frames without being encoded again per socket.
 */
import type WebSocket from 'ws';

const BATCH_HEAD = Buffer.from('{"type":"batch","events":[');
const COMMA = Buffer.from(',');
const BATCH_TAIL = Buffer.from(']}');

interface QueuedFrame {
  frame: string | Buffer;
  /** Set for events: the tenant whose traffic this is. */
  tenantId?: string;
  /** Set for events: the image the event belongs to (per-image usage). */
  urlId?: string;
}

export interface OutboxHooks {
  /** Called for every frame of events sent: `events` deliveries, `bytes` on the wire, the image of each event. */
  delivered(tenantId: string, events: number, bytes: number, urlIds: readonly string[]): void;
  /** Called when the unsent buffer passed the cap; the connection is to be closed. */
  overflow(): void;
}

export class Outbox {
  private queue: QueuedFrame[] = [];
  private scheduled = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly maxBatch: number,
    private readonly maxBufferedBytes: number,
    private readonly hooks: OutboxHooks,
  ) {}

  /** Queues a control frame (ack, error, subscribed, …). */
  send(message: object): void {
    this.push({ frame: JSON.stringify(message) });
  }

  /** Queues an already serialized event frame. */
  sendEvent(frame: Buffer, tenantId: string, urlId: string): void {
    this.push({ frame, tenantId, urlId });
  }

  /** Queues an already serialized control frame (not metered as usage), e.g. an admin feed frame. */
  sendFrame(frame: string): void {
    this.push({ frame });
  }

  private push(item: QueuedFrame): void {
    this.queue.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private write(frame: string | Buffer): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.queue = [];
      this.hooks.overflow();
      return false;
    }
    this.socket.send(frame, { binary: false });
    return true;
  }

  /** Sends everything queued now. */
  flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    let index = 0;
    while (index < queue.length) {
      const item = queue[index]!;
      if (item.tenantId === undefined) {
        if (!this.write(item.frame)) return;
        index += 1;
        continue;
      }
      // A run of events of one tenant, up to maxBatch.
      const tenantId = item.tenantId;
      let end = index + 1;
      while (end < queue.length && end - index < this.maxBatch && queue[end]!.tenantId === tenantId) end += 1;
      const run = queue.slice(index, end);
      const frame = run.length === 1 ? run[0]!.frame : batchFrame(run.map((q) => q.frame as Buffer));
      if (!this.write(frame)) return;
      this.hooks.delivered(tenantId, run.length, typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length, run.map((q) => q.urlId ?? ''));
      index = end;
    }
  }
}

/** `{"type":"batch","events":[e1,e2,…]}` from the events' bytes, without decoding them. */
function batchFrame(frames: Buffer[]): Buffer {
  const parts: Buffer[] = [BATCH_HEAD];
  frames.forEach((frame, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(frame);
  });
  parts.push(BATCH_TAIL);
  return Buffer.concat(parts);
}
