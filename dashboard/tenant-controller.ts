/**
 * Everything the dashboard shows for one signed-in tenant, as a reactive controller: the REST numbers
 * (refreshed every few seconds) and the admin connection (the widget's `WidgetConnection` carrying a `TenantFeed`,
 * the tenant-wide subscription) whose `tenant-event`s feed the moderation list. Cleans up in `hostDisconnected`.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { v4 as uuid } from 'uuid';
import type { ErrorCode, WriteMessage } from '../shared/index.js';
import { WidgetConnection, type ConnectionState } from '../widget/connection.js';
import { TenantFeed } from './tenant-feed.js';
import { ApiError, TenantApi, utcDay, type Credentials, type LiveReport, type TopImages, type UsageReport } from './api.js';
import { applyFeedEvent, type FeedItem } from './feed-model.js';

/** How often the REST numbers are refreshed; the server flushes usage every few seconds too. */
/** How often usage, live numbers and top images are read again. */
export const REFRESH_MS = 5000;
/** Days in the charts. */
export const CHART_DAYS = 30;

type FeedState = 'connecting' | 'live' | 'refused';

export class TenantController implements ReactiveController {
  usage: UsageReport | null = null;
  live: LiveReport | null = null;
  top: TopImages | null = null;
  feed: FeedItem[] = [];
  connectionState: ConnectionState = 'connecting';
  feedState: FeedState = 'connecting';
  /** The last REST failure, shown until a refresh works. */
  problem: string | null = null;
  private readonly api: TenantApi;
  private connection: WidgetConnection | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    readonly credentials: Credentials,
    /** Called when the server says the secret is no longer valid (401/403), e.g. after a rotation. */
    private readonly onSignedOut: (reason: string) => void,
  ) {
    this.api = new TenantApi(credentials);
    host.addController(this);
  }

  hostConnected(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    const { tenantId, secret } = this.credentials;
    this.connection = new WidgetConnection({ url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, name: 'Moderator' });
    this.connection.attachFeed(new TenantFeed(tenantId, secret, {
      frame: (message) => {
        if (message.type === 'subscribed') this.feedState = 'live';
        else this.feed = applyFeedEvent(this.feed, message.event);
        this.host.requestUpdate();
      },
      refused: () => {
        this.feedState = 'refused';
        this.host.requestUpdate();
      },
    }));
    this.connection.onState(({ newState: state }) => {
      this.connectionState = state;
      if (state !== 'live' && this.feedState === 'live') this.feedState = 'connecting';
      this.host.requestUpdate();
    });
    this.connection.connect();
  }

  hostDisconnected(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.connection?.close();
    this.connection = null;
  }

  /** Deletes a marker (with its thread) or a comment for everyone; the feed marks it when the event comes. */
  async remove(item: FeedItem): Promise<void> {
    if (!this.connection) return;
    this.update(item.key, { deleting: true, error: undefined });
    const envelope = { broadcastId: uuid(), tenantId: this.credentials.tenantId, urlId: item.urlId, chatId: item.chatId };
    const message: WriteMessage = item.kind === 'comment' && item.commentId
      ? { type: 'delete-comment', ...envelope, commentId: item.commentId }
      : { type: 'delete-chat', ...envelope };
    const result = await this.connection.write(message);
    if (result.ok) return;
    // Already gone (deleted by someone else meanwhile) is what was wanted.
    if (result.code === 'not-found') return this.update(item.key, { deleting: false, deleted: true });
    this.update(item.key, { deleting: false, error: describe(result.code, result.message) });
  }

  private update(key: string, change: Partial<FeedItem>): void {
    this.feed = this.feed.map((item) => (item.key === key ? { ...item, ...change } : item));
    this.host.requestUpdate();
  }

  private async refresh(): Promise<void> {
    const from = utcDay(1 - CHART_DAYS);
    const to = utcDay();
    try {
      const [usage, live, top] = await Promise.all([this.api.usage(from, to), this.api.live(), this.api.topImages(from, to)]);
      Object.assign(this, { usage, live, top, problem: null });
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        this.onSignedOut(error.message);
        return;
      }
      this.problem = `Could not refresh: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.host.requestUpdate();
  }
}

function describe(code: ErrorCode, message: string): string {
  return code === 'unavailable' ? 'Not connected right now; try again in a moment.' : `Refused (${code}): ${message}`;
}
