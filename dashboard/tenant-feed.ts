/**
 * The dashboard's tenant feed as a channel of the widget's connection: it sends `subscribe-tenant` with the
 * tenant's API secret on every open (so the feed is renewed after a reconnect or a server restart), and takes the
 * frames that answer it: the admin `subscribed`, each `tenant-event`, and the `error` that refuses the secret.
 *
 * @example
 * const connection = new WidgetConnection({ url, name: 'Moderator' });
 * connection.attachFeed(new TenantFeed('acme', secret, { frame: (m) => show(m), refused: (e) => warn(e) }));
 * connection.connect();
 */
import type { AdminServerMessage, ClientMessage, ErrorMessage } from '../shared/index.js';
import type { FeedChannel } from '../widget/connection.js';

/** Where the feed's frames go. */
interface TenantFeedHandlers {
  /** `subscribed` (role admin) or a `tenant-event`. */
  frame(message: AdminServerMessage): void;
  /** The server refused the admin subscription (a wrong or rotated secret: `forbidden`). */
  refused(error: ErrorMessage): void;
}

/** This tenant's feed frames: its admin frames, and the refusal of its `subscribe-tenant`. */
function feedFrame(frame: AdminServerMessage | ErrorMessage, tenantId: string): { admin: AdminServerMessage } | { refusal: ErrorMessage } | null {
  if (frame.tenantId !== tenantId) return null;
  if (frame.type !== 'error') return { admin: frame };
  return frame.for === 'subscribe-tenant' ? { refusal: frame } : null;
}

/** One tenant's admin subscription on a `WidgetConnection` (see the module comment). */
export class TenantFeed implements FeedChannel {
  constructor(readonly tenantId: string, private readonly secret: string, private readonly handlers: TenantFeedHandlers) {}

  subscribe(send: (message: ClientMessage) => void): void {
    send({ type: 'subscribe-tenant', tenantId: this.tenantId, secret: this.secret });
  }

  offer(frame: AdminServerMessage | ErrorMessage): boolean {
    const found = feedFrame(frame, this.tenantId);
    if (!found) return false;
    if ('admin' in found) this.handlers.frame(found.admin);
    else this.handlers.refused(found.refusal);
    return true;
  }

  connectionLost(): void {
    // Renewed by `subscribe` when the connection opens again; the dashboard follows the connection's state.
  }
}
