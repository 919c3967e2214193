/**
 * The send side of one connection. Frames queued in one turn of the event loop go out together: runs of
 * events become `batch` frames (per tenant, so metering stays exact), everything else goes out as is, in
 * the order it was queued. Event frames are UTF-8 bytes encoded once per node and shared by every
 * subscriber: they are sent as text frames without being encoded again per socket.
 *
 * A connection whose unsent buffer passes the cap is a slow consumer and is closed, except for the bytes of the
 * last `subscribed` answer still in that buffer: a subscribe answer is sent only once the buffer has drained
 * (the connection paces them), so one snapshot of up to MAX_SNAPSHOT_BYTES, larger than the cap itself, never
 * trips it on its own.
 */
import type WebSocket from 'ws';
import type { AdminServerMessage, Limits, ServerMessage } from '../../shared/index.js';
import type { DeliveryMeter } from '../metering/meters.js';
import { DeliveryTally } from './delivery-tally.js';
import { rawSocketOf, textFrameOf } from './ws-frame.js';

const BATCH_HEAD = Buffer.from('{"type":"batch","events":[');
/** ws copies its options per send; one shared object spares an allocation per frame. */
const AS_TEXT = { binary: false } as const;
const COMMA = Buffer.from(',');
const BATCH_TAIL = Buffer.from(']}');

interface QueuedFrame {
  readonly frame: string | Buffer;
  /** Set for events: the tenant whose traffic this is. */
  readonly tenantId?: string;
  /** Set for events: the image the event belongs to (per-image usage). */
  readonly urlId?: string;
  /** Set for a `subscribed` answer: its size in bytes, exempt from the overflow check while it drains. */
  readonly answerBytes?: number;
  /** Set for a `presence` frame: metered like events (with `tenantId`, `urlId`), but never put in a `batch`. */
  readonly alone?: true;
}

/**
 * An event's queue entry, shared by every subscriber it is queued for: a fan-out hands one event to its image's
 * subscribers one after another, so the last entry made answers all but the first (no object per delivery).
 */
let lastEvent: QueuedFrame = { frame: Buffer.alloc(0), tenantId: '', urlId: '' };
function eventEntry(frame: Buffer, tenantId: string, urlId: string): QueuedFrame {
  if (frame !== lastEvent.frame || tenantId !== lastEvent.tenantId || urlId !== lastEvent.urlId) lastEvent = { frame, tenantId, urlId };
  return lastEvent;
}

/** A presence frame's queue entry, shared the same way (a count change goes to a whole crowd in a row). */
let lastPresence: QueuedFrame = { frame: Buffer.alloc(0), tenantId: '', urlId: '', alone: true };
function presenceEntry(frame: Buffer, tenantId: string, urlId: string): QueuedFrame {
  if (frame !== lastPresence.frame || tenantId !== lastPresence.tenantId || urlId !== lastPresence.urlId) lastPresence = { frame, tenantId, urlId, alone: true };
  return lastPresence;
}

export interface OutboxHooks {
  /** Told of every frame of events sent (single events summed per flush: delivery-tally.ts). */
  readonly meter: DeliveryMeter;
  /** Called for every `presence` frame sent, `bytes` long, of the image `urlId`. */
  presenceDelivered(tenantId: string, bytes: number, urlId: string): void;
  /** Called when the unsent buffer passed the cap; the connection is to be closed. */
  overflow(): void;
}

/**
 * Outboxes with frames queued this turn. One `setImmediate` flushes them all, in the order they were queued:
 * an event for 1,000 subscribers schedules one callback, not 1,000 (issue 14: CPU per delivery). At most
 * OUTBOXES_PER_TURN are flushed per turn: an event for 18,000 subscribers otherwise held the event loop for over a
 * second on a busy machine, with acks, pings and new frames waiting behind it.
 */
const OUTBOXES_PER_TURN = 2_000;
let waitingOutboxes: Outbox[] = [];
let flushScheduled = false;
/** Single-event frames sent by the flush under way, metered when it ends; `inFlush` while `flushWaiting` runs. */
const sent = new DeliveryTally();
let inFlush = false;

function scheduleFlush(outbox: Outbox): void {
  waitingOutboxes.push(outbox);
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushWaiting);
}

function flushWaiting(): void {
  flushScheduled = false;
  const outboxes = waitingOutboxes;
  waitingOutboxes = [];
  const end = Math.min(outboxes.length, OUTBOXES_PER_TURN);
  let index = 0;
  inFlush = true;
  try {
    for (; index < end; index += 1) outboxes[index]!.flushQueued();
  } finally {
    inFlush = false;
    sent.settle();
    // The rest go next turn, before anything queued since (a throw, a bug in one flush, still surfaces).
    const rest = outboxes.slice(index < end ? index + 1 : end);
    if (rest.length > 0) {
      waitingOutboxes = rest.concat(waitingOutboxes);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushWaiting);
      }
    }
  }
}

/** The limits an outbox applies: shared by every outbox, one field instead of a copy of each. */
export type OutboxLimits = Pick<Limits, 'MAX_BATCH_EVENTS' | 'SLOW_CLIENT_BUFFER_BYTES'>;

export class Outbox {
  /**
   * Frames queued this turn, and so a flush scheduled: none while idle, which is most of a connection's life; the
   * one frame itself when there is one, the common case below saturation (no array per delivery); an array from
   * the second. Set here, so every outbox has the field from the start (a field added later costs a property
   * array per outbox).
   */
  private queue: QueuedFrame[] | QueuedFrame | undefined = undefined;
  /** The last `subscribed` answer handed to the socket, and the bytes sent after it (behind it in the buffer). */
  private answerBytes = 0;
  private sentAfterAnswer = 0;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: OutboxLimits,
    private readonly hooks: OutboxHooks,
  ) {}

  /** Queues a control frame (ack, error, welcome, …): only frames of the contract compile here. */
  send(message: ServerMessage | AdminServerMessage): void {
    this.push({ frame: JSON.stringify(message) });
  }

  /** Queues an image event, serialized once per node (the same bytes for every subscriber). */
  queueEvent(frame: Buffer, tenantId: string, urlId: string): void {
    this.push(eventEntry(frame, tenantId, urlId));
  }

  /**
   * Queues a `presence` frame of an image, serialized once per image and flush (the same bytes for every
   * subscriber): sent on its own, and metered as one message of the tenant's pub/sub traffic.
   */
  queuePresence(frame: Buffer, tenantId: string, urlId: string): void {
    this.push(presenceEntry(frame, tenantId, urlId));
  }

  /** Queues a `tenant-event` frame of the admin feed, serialized once by the node that stored the write (not metered as usage). */
  queueFeedFrame(frame: string): void {
    this.push({ frame });
  }

  /** Queues a `subscribed` answer (built as a `SubscribedMessage` by `answerTo`) of `bytes` bytes; sent only on a drained buffer. */
  queueAnswer(frame: Buffer, bytes: number): void {
    this.push({ frame, answerBytes: bytes });
  }

  /** Bytes not yet on the wire: queued here (control frames counted by length) and buffered by the socket. */
  get unsentBytes(): number {
    const queue = this.queue;
    let queued = 0;
    if (Array.isArray(queue)) for (const item of queue) queued += item.frame.length;
    else if (queue) queued = queue.frame.length;
    return this.socket.bufferedAmount + queued;
  }

  private push(item: QueuedFrame): void {
    const queue = this.queue;
    if (queue === undefined) {
      this.queue = item;
      scheduleFlush(this);
      return;
    }
    if (Array.isArray(queue)) queue.push(item);
    else this.queue = [queue, item];
  }

  /** The turn's scheduled flush; nothing when the queue was flushed meanwhile (a close, a subscribe answer). */
  flushQueued(): void {
    if (this.queue) this.flush();
  }

  /**
   * Writes one frame. Bytes (events, presence frames, `subscribed` answers: each shared by the subscribers it is
   * for) go out as one frame made once per node (ws-frame.ts) in one plain write; a string, or where that is not
   * possible, through ws.
   */
  private write(payload: string | Buffer, answerBytes?: number, event = false): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    if (!this.roomFor()) return false;
    const frame = typeof payload === 'string' ? null : textFrameOf(payload, event);
    const raw = frame ? rawSocketOf(this.socket) : null;
    if (frame && raw) raw.write(frame);
    else this.socket.send(payload, AS_TEXT);
    if (answerBytes !== undefined) {
      this.answerBytes = answerBytes;
      this.sentAfterAnswer = 0;
    } else if (this.answerBytes > 0) {
      this.sentAfterAnswer += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    }
    return true;
  }

  /** False (and the connection told to close) when the socket's unsent bytes passed the cap. */
  private roomFor(): boolean {
    const buffered = this.socket.bufferedAmount;
    if (buffered - this.answerStillBuffered(buffered) <= this.limits.SLOW_CLIENT_BUFFER_BYTES) return true;
    this.queue = undefined;
    this.hooks.overflow();
    return false;
  }

  /**
   * How much of the socket's buffer is still the last answer. The buffer drains in order, so what was sent
   * after the answer is its tail: the answer's part is what lies before that, at most the answer itself.
   */
  private answerStillBuffered(buffered: number): number {
    if (this.answerBytes === 0) return 0;
    const left = Math.min(this.answerBytes, buffered - this.sentAfterAnswer);
    if (left > 0) return left;
    this.answerBytes = 0;
    this.sentAfterAnswer = 0;
    return 0;
  }

  /** Sends everything queued now (metered at once when called outside the turn's flush). */
  flush(): void {
    this.sendQueued();
    if (!inFlush) sent.settle();
  }

  private sendQueued(): void {
    const queue = this.queue;
    this.queue = undefined;
    if (queue === undefined) return;
    if (!Array.isArray(queue)) {
      this.sendOne(queue);
      return;
    }
    // Several frames (a `subscribed` answer and its presence snapshot, say) leave in one write, not one each.
    const raw = rawSocketOf(this.socket);
    raw?.cork();
    try {
      this.sendAll(queue);
    } finally {
      raw?.uncork();
    }
  }

  private sendAll(queue: QueuedFrame[]): void {
    const { MAX_BATCH_EVENTS: maxBatch } = this.limits;
    let index = 0;
    while (index < queue.length) {
      const item = queue[index]!;
      if (item.tenantId === undefined || item.alone) {
        if (!this.sendOne(item)) return;
        index += 1;
        continue;
      }
      // A run of events of one tenant, up to maxBatch.
      const tenantId = item.tenantId;
      let end = index + 1;
      while (end < queue.length && end - index < maxBatch && queue[end]!.tenantId === tenantId && !queue[end]!.alone) end += 1;
      if (end === index + 1) {
        if (!this.sendOne(item)) return;
        index = end;
        continue;
      }
      const run = queue.slice(index, end);
      const frame = batchFrame(run.map((q) => q.frame as Buffer));
      if (!this.write(frame)) return;
      const first = run[0]!.urlId ?? '';
      const oneImage = run.every((q) => q.urlId === first);
      this.hooks.meter.delivered(tenantId, run.length, frame.length, oneImage ? first : run.map((q) => q.urlId ?? ''));
      index = end;
    }
  }

  /** Sends one queued frame as it is; false when it could not. */
  private sendOne(item: QueuedFrame): boolean {
    if (item.tenantId === undefined || item.alone) {
      if (!this.write(item.frame, item.answerBytes)) return false;
      if (item.alone) this.hooks.presenceDelivered(item.tenantId!, item.frame.length, item.urlId ?? '');
      return true;
    }
    if (!this.write(item.frame, undefined, true)) return false;
    sent.add(this.hooks.meter, item.tenantId, item.urlId ?? '', item.frame.length);
    return true;
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
