/**
 * The named states of an image store: each pending write's status, and the image's subscription. Each is a set of
 * constants with its derived type; the store changes them in one place and announces real changes only.
 */
import type { ErrorCode, ImageEvent, WriteMessage } from '../shared/index.js';

/**
 * Where a write of this client stands. `sent`: waiting for its ack and its echo (shown pending).
 * `acked`: stored at its seq, its echo not yet applied (still shown over the confirmed state).
 * `echoed`: its echo is in the confirmed state, its ack not yet here (no longer laid over it).
 * `in-doubt`: the socket closed before the ack; the next `subscribed` shows whether it was stored.
 * A write leaves the list when both ack and echo are in, when it is refused, or when its doubt is settled.
 */
export const WRITE_STATUS = {
  SENT: 'sent',
  ACKED: 'acked',
  ECHOED: 'echoed',
  IN_DOUBT: 'in-doubt',
} as const;

export type WriteStatus = (typeof WRITE_STATUS)[keyof typeof WRITE_STATUS];

/** How a write ended, as the widget shows it: `chatId` is the chat it touched (a new marker's id for `createChat`). */
export type WidgetWriteOutcome =
  | { ok: true; seq: number; broadcastId: string; chatId: string }
  | { ok: false; code: ErrorCode; message: string; broadcastId: string; chatId: string };

/** A write applied optimistically, until the server's answers settle it. */
export interface OptimisticWrite {
  readonly message: WriteMessage;
  /** The optimistic event made from the write; laid over the confirmed state unless `echoed`. */
  readonly event: ImageEvent;
  status: WriteStatus;
  /** The seq of its ack (`acked`) or of its echo (`echoed`); null before either. */
  seq: number | null;
  resolve(outcome: WidgetWriteOutcome): void;
}

/** True while the write's change is laid over the confirmed state (its echo is not in it yet). */
export const isShownOnTop = (write: OptimisticWrite): boolean => write.status !== 'echoed';

/** True while no ack has come and no echo was seen: the marker shows as pending. */
export const isUnconfirmed = (write: OptimisticWrite): boolean =>
  write.status === 'sent' || write.status === 'in-doubt';

/**
 * The image's subscription. `unsubscribed`: not asked for (before `open()`, after `close()`), or refused for good
 * (e.g. an unknown tenant). `subscribing`: asked for, the answer not yet here (also after a reconnect).
 * `subscribed`: the server serves the image; a resubscribe to catch up (a gap, a `resync`) keeps this state,
 * since the server keeps serving it meanwhile. `retrying`: the server could not serve it just now; asked again
 * after a backoff.
 */
export const SUBSCRIPTION_STATES = {
  UNSUBSCRIBED: 'unsubscribed',
  SUBSCRIBING: 'subscribing',
  SUBSCRIBED: 'subscribed',
  RETRYING: 'retrying',
} as const;

export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[keyof typeof SUBSCRIPTION_STATES];

/** One real change of an image's subscription state, with its cause. */
export interface SubscriptionStateChange {
  newState: SubscriptionState;
  oldState: SubscriptionState;
  reason: string;
}
