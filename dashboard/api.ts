/** The dashboard's REST calls (docs/dashboard.md), authorized with the tenant's secret as a Bearer token. */

import type {
  Chat, Comment, LiveReport, TenantRules, TopImagesReport, UsageCounter, UsageReport, WebhookDeliveryView, WebhookEndpointView, WebhookEventType,
} from '../shared/index.js';

export type { LiveReport, UsageReport } from '../shared/index.js';
export type Counter = UsageCounter;
export type TopImages = TopImagesReport;

export interface Credentials { tenantId: string; secret: string }

/** The answer of `GET` and `PUT /api/v1/tenants/:id/rules` (docs/sso.md#rules). */
export interface RulesReport { tenantId: string; rules: TenantRules }

/** One image of `GET …/images` (docs/api.md). */
export interface ImageSummary { urlId: string; chatCount: number; lastActivity: number; seq: number }
export interface ImagesPage { tenantId: string; images: ImageSummary[]; nextCursor: string | null }
/** `GET …/image?urlId=`: the snapshot a subscriber gets. */
export interface ImageSnapshot { tenantId: string; urlId: string; seq: number; epoch: string; chats: Chat[] }
/** One comment of `GET …/comments` (docs/api.md#searching-comments). */
export interface CommentHit { urlId: string; chatId: string; comment: Comment; opensThread: boolean }
export interface CommentsPage { tenantId: string; comments: CommentHit[]; nextCursor: string | null }
/** A moderation write through `POST …/writes`, as the tenant's admin. */
export type ModerationWrite =
  | { type: 'delete-comment'; urlId: string; chatId: string; commentId: string }
  | { type: 'delete-chat'; urlId: string; chatId: string }
  | { type: 'resolve-chat'; urlId: string; chatId: string; resolved: boolean };

/** What registering a webhook endpoint sends (docs/webhooks.md#managing-endpoints); `['*']`: every type. */
export interface WebhookInput { url: string; events: (WebhookEventType | '*')[]; description: string }
/** `POST …/webhooks`: the endpoint, and its signing secret — the only time the server answers it. */
export interface RegisteredWebhook { webhook: WebhookEndpointView; secret: string }
/** `POST …/webhooks/{id}/rotate-secret`: the new secret, once; until when the previous one still signs (null: revoked). */
export interface RotatedSecret { secret: string; previousValidUntil: number | null }
export interface DeliveriesPage { deliveries: WebhookDeliveryView[]; nextCursor: string | null }

/** A refused call: `status` 401 (wrong secret), 403 (another tenant's), 400, … */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class TenantApi {
  constructor(private readonly credentials: Credentials, private readonly base = '') {}

  usage(from: string, to: string): Promise<UsageReport> {
    return this.get(`usage?from=${from}&to=${to}`);
  }

  live(): Promise<LiveReport> {
    return this.get('live');
  }

  topImages(from: string, to: string, limit = 10): Promise<TopImages> {
    return this.get(`top-images?from=${from}&to=${to}&limit=${limit}`);
  }

  rules(): Promise<RulesReport> {
    return this.get('rules');
  }

  /** Changes the rules named in `change` (the others stay); answers all of them as stored. */
  changeRules(change: Partial<TenantRules>): Promise<RulesReport> {
    return this.send('PUT', 'rules', change);
  }

  images(cursor: string | null): Promise<ImagesPage> {
    return this.get(`images?${new URLSearchParams(cursor ? { cursor } : {}).toString()}`);
  }

  image(urlId: string): Promise<ImageSnapshot> {
    return this.get(`image?${new URLSearchParams({ urlId }).toString()}`);
  }

  /** Stored comments newest first; empty `q` or `author` filters nothing. */
  comments(q: string, author: string, cursor: string | null, limit = 20): Promise<CommentsPage> {
    return this.get(`comments?${new URLSearchParams({ q, author, limit: String(limit), ...(cursor ? { cursor } : {}) }).toString()}`);
  }

  /** A write as the tenant's admin: stored with the image's next seq and broadcast like a widget's. */
  write(write: ModerationWrite): Promise<{ seq: number }> {
    return this.send('POST', 'writes', write);
  }

  async webhooks(): Promise<WebhookEndpointView[]> {
    return (await this.get<{ webhooks: WebhookEndpointView[] }>('webhooks')).webhooks;
  }

  /** A new endpoint, on from now; the answer holds its signing secret, which is never answered again. */
  registerWebhook(input: WebhookInput): Promise<RegisteredWebhook> {
    return this.send('POST', 'webhooks', input);
  }

  /** Turns an endpoint on (its pending deliveries resume) or off. */
  async setWebhookEnabled(webhookId: string, enabled: boolean): Promise<WebhookEndpointView> {
    return (await this.send<{ webhook: WebhookEndpointView }>('PATCH', `webhooks/${encodeURIComponent(webhookId)}`, { enabled })).webhook;
  }

  /** Removes an endpoint and its deliveries' history. */
  async removeWebhook(webhookId: string): Promise<void> {
    await this.send('DELETE', `webhooks/${encodeURIComponent(webhookId)}`);
  }

  /** A new signing secret; the previous one keeps signing for 24 h unless `revokePrevious`. */
  rotateWebhookSecret(webhookId: string, revokePrevious: boolean): Promise<RotatedSecret> {
    return this.send('POST', `webhooks/${encodeURIComponent(webhookId)}/rotate-secret`, { revokePrevious });
  }

  /** An endpoint's deliveries, newest first, a page at a time. */
  webhookDeliveries(webhookId: string, cursor: string | null, limit = 20): Promise<DeliveriesPage> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { cursor } : {}) }).toString();
    return this.get(`webhooks/${encodeURIComponent(webhookId)}/deliveries?${query}`);
  }

  /** Sends one delivery again now, its attempts counted from zero. */
  async resendWebhookDelivery(webhookId: string, deliveryId: string): Promise<void> {
    await this.send('POST', `webhooks/${encodeURIComponent(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/resend`);
  }

  private get<T>(path: string): Promise<T> {
    return this.send('GET', path);
  }

  private async send<T>(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object): Promise<T> {
    const response = await fetch(`${this.base}/api/v1/tenants/${encodeURIComponent(this.credentials.tenantId)}/${path}`, {
      method,
      headers: { authorization: `Bearer ${this.credentials.secret}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { body: JSON.stringify(payload) } : {}),
      cache: 'no-store',
    });
    const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    if (!response.ok) throw new ApiError(response.status, body.error?.code ?? 'internal', body.error?.message ?? response.statusText);
    return body as T;
  }
}

/** The signed-in tenant, kept for this browser tab only (sessionStorage), never in a URL. */
const KEY = 'image-chat-dashboard';

export function loadCredentials(): Credentials | null {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Credentials> | null;
    return parsed && typeof parsed.tenantId === 'string' && typeof parsed.secret === 'string' ? { tenantId: parsed.tenantId, secret: parsed.secret } : null;
  } catch {
    return null;
  }
}

export const saveCredentials = (credentials: Credentials): void => sessionStorage.setItem(KEY, JSON.stringify(credentials));
export const clearCredentials = (): void => sessionStorage.removeItem(KEY);

/** `YYYY-MM-DD` of a UTC day, `days` from today. */
export const utcDay = (days = 0, now = Date.now()): string => new Date(now + days * 86_400_000).toISOString().slice(0, 10);

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Two or three significant digits, so a day's bandwidth visibly grows with each message (12.34 KB, 123.4 KB).
  return `${value.toFixed(value < 100 ? 2 : value < 1000 ? 1 : 0)} ${units[unit]}`;
}
