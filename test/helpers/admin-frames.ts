/** Collects the admin frames (`subscribed` with role admin, `tenant-event`) a raw test client receives. */
import type WebSocket from 'ws';
import type { AdminServerMessage, TenantEventMessage } from '../../shared/index.js';

export interface AdminFrames {
  readonly frames: AdminServerMessage[];
  /** Resolves with the first tenant-event (already received or coming) that matches. */
  nextEvent(predicate: (frame: TenantEventMessage) => boolean, timeoutMs?: number): Promise<TenantEventMessage>;
}

export function collectAdminFrames(socket: WebSocket): AdminFrames {
  const frames: AdminServerMessage[] = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type?: string; role?: string };
    if (frame.type === 'tenant-event' || (frame.type === 'subscribed' && frame.role === 'admin')) frames.push(frame as AdminServerMessage);
  });
  return {
    frames,
    nextEvent: async (predicate, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = frames.find((f): f is TenantEventMessage => f.type === 'tenant-event' && predicate(f));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching tenant-event; got ${JSON.stringify(frames.slice(-3))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}
