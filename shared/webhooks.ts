/**
 * Webhooks as a site's backend receives them (docs/webhooks.md): the event types, the body of every delivery,
 * and the views of endpoints and deliveries the REST API and dashboard show. The server builds a body once,
 * in the transaction that stores the write, so every retry sends the same bytes with the same `id`.
 */
import type { ImageEvent } from './messages.js';
import type { Author, Chat, Comment } from './model.js';

export const WEBHOOK_EVENT_TYPES = [
  'chat.created', 'chat.moved', 'chat.resolved', 'chat.reopened', 'chat.deleted',
  'comment.created', 'comment.edited', 'comment.deleted',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What each type carries in `data`. */
export interface WebhookEventData {
  'chat.created': { chat: Chat };
  'chat.moved': { x: number; y: number };
  'chat.resolved': { resolved: true };
  'chat.reopened': { resolved: false };
  'chat.deleted': Record<string, never>;
  'comment.created': { comment: Comment };
  'comment.edited': { comment: Comment };
  'comment.deleted': { commentId: string };
}

/** The JSON body of a delivery. `id` is the event's: the same on every retry and every endpoint (deduplicate by it). */
export interface WebhookBody<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  tenantId: string;
  urlId: string;
  /** The image's seq of the event: per image and endpoint, deliveries arrive in this order. */
  seq: number;
  chatId: string;
  /** The broadcastId of the write (the widget's, or the REST caller's). */
  broadcastId: string;
  /** Who made the change: the marker's or comment's author, the mover, the resolver, the deleter (a moderator's own id). */
  author: Author;
  /** When the server stored the change, ISO 8601 UTC. */
  time: string;
  data: WebhookEventData[T];
}

/** The webhook type of a stored event. */
export function webhookEventType(event: ImageEvent): WebhookEventType {
  if (event.type === 'new-image-chat') return 'chat.created';
  if (event.type === 'deleted-image-chat') return 'chat.deleted';
  switch (event.change) {
    case 'comment-added': return 'comment.created';
    case 'comment-edited': return 'comment.edited';
    case 'comment-deleted': return 'comment.deleted';
    case 'moved': return 'chat.moved';
    case 'resolved': return event.resolved ? 'chat.resolved' : 'chat.reopened';
  }
}

function webhookData(event: ImageEvent): WebhookBody['data'] {
  if (event.type === 'new-image-chat') return { chat: event.chat };
  if (event.type === 'deleted-image-chat') return {};
  switch (event.change) {
    case 'comment-added':
    case 'comment-edited':
      return { comment: event.comment! };
    case 'comment-deleted': return { commentId: event.commentId! };
    case 'moved': return { x: event.x!, y: event.y! };
    case 'resolved': return { resolved: event.resolved === true } as { resolved: true } | { resolved: false };
  }
}

/**
 * The body of the deliveries of `event`, made by `actor` at `time` (ms).
 * @example
 * const body = webhookBody(event, { id: 'sso:42', name: 'Ann' }, randomUUID(), Date.now());
 */
export function webhookBody(event: ImageEvent, actor: Author, id: string, time: number): WebhookBody {
  return {
    id, type: webhookEventType(event), tenantId: event.tenantId, urlId: event.urlId, seq: event.seq, chatId: event.chatId,
    broadcastId: event.broadcastId, author: { id: actor.id, name: actor.name }, time: new Date(time).toISOString(), data: webhookData(event),
  };
}

/** An endpoint as the REST API and dashboard show it (never its signing secret, which is shown once). */
export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string;
  /** The types it receives; `['*']`: every type, those added later included. */
  events: (WebhookEventType | '*')[];
  enabled: boolean;
  /** Why it was turned off: by the tenant, or by the server after a delivery kept failing for about a day. */
  disabledReason: string | null;
  createdAt: number;
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** One delivery of one event to one endpoint, as the dashboard lists it. */
export interface WebhookDeliveryView {
  id: string;
  eventId: string;
  type: WebhookEventType;
  urlId: string;
  seq: number;
  state: WebhookDeliveryState;
  attempts: number;
  /** The last answer's HTTP status, or null (no answer: timeout, refused connection, refused address). */
  lastStatus: number | null;
  lastError: string | null;
  /** When the next attempt is due (pending deliveries), ms. */
  nextAttemptAt: number | null;
  createdAt: number;
  /** When it was delivered or given up, ms. */
  finishedAt: number | null;
}
