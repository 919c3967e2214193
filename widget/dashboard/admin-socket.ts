/**
 * The dashboard's socket: the widget's `Connection` (reconnect with backoff, heartbeat, hello, write acks)
 * running over a WebSocket wrapper that adds the tenant-wide admin subscription. On every open, after the
 * connection's own hello, the wrapper sends `subscribe-tenant`; every frame still reaches the connection
 * (so its heartbeat sees traffic), and the admin frames are also handed to the dashboard.
 *
 * This uses the connection's `WebSocket` option as the extension point, so the widget code needs no change.
 *
 * @example
 * const connection = new Connection({ url, name: 'Moderator', WebSocket: adminSocket('acme', secret, handlers) });
 * await connection.write({ type: 'delete-chat', broadcastId, tenantId: 'acme', urlId, chatId });
 */
import type { AdminServerMessage, ErrorMessage } from '../../shared/index.js';
import type { SocketConstructor, SocketLike } from '../connection.js';

export interface AdminFeedHandlers {
  /** `subscribed` (role admin) or a `tenant-event`. */
  frame(message: AdminServerMessage): void;
  /** The server refused the admin subscription (a wrong or rotated secret: `forbidden`). */
  refused(error: ErrorMessage): void;
}

type Frame = { type?: unknown; role?: unknown; for?: unknown };

/** Picks the admin frames out of a raw server frame; anything else is left to the connection. */
function tap(raw: unknown, handlers: AdminFeedHandlers): void {
  if (typeof raw !== 'string') return;
  let frame: Frame;
  try {
    frame = JSON.parse(raw) as Frame;
  } catch {
    return;
  }
  if (frame.type === 'tenant-event' || (frame.type === 'subscribed' && frame.role === 'admin')) handlers.frame(frame as AdminServerMessage);
  else if (frame.type === 'error' && frame.for === 'subscribe-tenant') handlers.refused(frame as ErrorMessage);
}

/** A WebSocket class for `Connection` that also holds `tenantId`'s admin subscription. */
export function adminSocket(
  tenantId: string,
  secret: string,
  handlers: AdminFeedHandlers,
  Base: SocketConstructor | undefined = (globalThis as { WebSocket?: SocketConstructor }).WebSocket,
): SocketConstructor {
  if (!Base) throw new Error('no WebSocket here');
  const Inner = Base;
  return class AdminSocket implements SocketLike {
    onopen: SocketLike['onopen'] = null;
    onmessage: SocketLike['onmessage'] = null;
    onclose: SocketLike['onclose'] = null;
    onerror: SocketLike['onerror'] = null;
    private readonly inner: SocketLike;

    constructor(url: string) {
      this.inner = new Inner(url);
      this.inner.onopen = (event) => {
        this.onopen?.(event);
        this.inner.send(JSON.stringify({ type: 'subscribe-tenant', tenantId, secret }));
      };
      this.inner.onmessage = (event) => {
        tap(event.data, handlers);
        this.onmessage?.(event);
      };
      this.inner.onclose = (event) => this.onclose?.(event);
      this.inner.onerror = (event) => this.onerror?.(event);
    }

    get readyState(): number {
      return this.inner.readyState;
    }

    send(data: string): void {
      this.inner.send(data);
    }

    close(code?: number, reason?: string): void {
      this.inner.close(code, reason);
    }
  };
}
