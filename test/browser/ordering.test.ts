/**
 * Ordering against the real server, with the network made unreliable: a socket wrapper holds one event back
 * (so events arrive out of order) and drops another (a gap that does not fill, so the widget resubscribes).
 */
import type { ClientMessage, ServerMessage } from '../../shared/index.js';
import type { SocketLike } from '../../widget/connection.js';
import { pageSockets } from '../../widget/shared-sockets.js';
import { assertEqual, markerButton, mount, otherClient, serverUrl, settled, threadTexts, uniqueId, unmountAll, waitFor } from './helpers.js';

type Handler<E> = ((event: E) => void) | null;

/** A real WebSocket whose incoming events can be held back or dropped by seq. */
class UnreliableSocket implements SocketLike {
  static holdUntilAfter = new Map<number, number>();
  static drop = new Set<number>();
  private readonly socket: WebSocket;
  private held = new Map<number, string>();
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.onopen = (event) => this.onopen?.(event);
    this.socket.onclose = (event) => this.onclose?.(event);
    this.socket.onerror = (event) => this.onerror?.(event);
    this.socket.onmessage = (event) => this.filter(String(event.data));
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: string): void {
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }

  private filter(raw: string): void {
    const frame = JSON.parse(raw) as ServerMessage;
    const frames = frame.type === 'batch' ? frame.events : [frame];
    for (const item of frames) {
      const seq = 'seq' in item && item.type !== 'subscribed' && item.type !== 'ack' ? item.seq : null;
      if (seq !== null && UnreliableSocket.drop.delete(seq)) continue;
      if (seq !== null && UnreliableSocket.holdUntilAfter.has(seq)) {
        this.held.set(UnreliableSocket.holdUntilAfter.get(seq)!, JSON.stringify(item));
        UnreliableSocket.holdUntilAfter.delete(seq);
        continue;
      }
      this.onmessage?.({ data: JSON.stringify(item) });
      const release = seq !== null ? this.held.get(seq) : undefined;
      if (release !== undefined && seq !== null) {
        this.held.delete(seq);
        this.onmessage?.({ data: release });
      }
    }
  }
}

afterEach(() => unmountAll());

it('applies out-of-order events in seq order, and resubscribes with since when a gap does not fill', async () => {
  const server = await serverUrl();
  const sent: ClientMessage[] = [];
  const arrived: number[] = [];
  // This page's first connection to the server: the widget below will share it.
  pageSockets.acquireConnection(server, {
    WebSocket: UnreliableSocket,
    trace: (direction, frame) => {
      if (direction === 'out') sent.push(frame as ClientMessage);
      else if ('seq' in frame && frame.type !== 'subscribed' && frame.type !== 'ack') arrived.push(frame.seq);
    },
  });
  const urlId = uniqueId('order');
  const element = await mount({ server, 'url-id': urlId });
  const store = element.store!;
  const other = await otherClient(server, urlId);
  const { chatId } = await other.store.createChat(0.5, 0.5, 'one');
  await waitFor(() => store.seq === 1, 'seq 1');

  UnreliableSocket.holdUntilAfter.set(2, 3); // seq 2 arrives after seq 3
  await other.store.addComment(chatId, 'two');
  await other.store.addComment(chatId, 'three');
  await waitFor(() => store.seq === 3, 'seq 3');
  assertEqual(arrived.slice(-2), [3, 2], 'the events arrived out of order');
  markerButton(element, chatId)!.click();
  await settled(element);
  assertEqual(threadTexts(element), ['one', 'two', 'three'], 'applied in seq order');

  UnreliableSocket.drop.add(4); // seq 4 never arrives live
  await other.store.addComment(chatId, 'four');
  await other.store.addComment(chatId, 'five');
  await waitFor(() => store.seq === 5, 'the gap to be filled by a resubscribe');
  const resubscribe = sent.filter((m) => m.type === 'subscribe').at(-1);
  assertEqual(resubscribe, { type: 'subscribe', tenantId: 'demo', urlId, since: 3, epoch: store.epoch }, 'resubscribed from seq 3');
  await settled(element);
  assertEqual(threadTexts(element), ['one', 'two', 'three', 'four', 'five'], 'nothing missing, nothing twice');
  other.connection.close();
});
