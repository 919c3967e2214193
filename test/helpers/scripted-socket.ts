/** A WebSocket stand-in the test plays the server for: deterministic tests of the widget's connection and store. */
import type { ClientMessage, ServerMessage } from '../../shared/index.js';
import type { SocketLike } from '../../widget/connection.js';

type Handler<E> = ((event: E) => void) | null;

/** A socket the test plays the server for; every instance is kept in `ScriptedSocket.all`. */
export class ScriptedSocket implements SocketLike {
  static all: ScriptedSocket[] = [];
  readyState = 0;
  readonly sent: ClientMessage[] = [];
  closedWith: number | null = null;
  onopen: Handler<unknown> = null;
  onmessage: Handler<{ data: unknown }> = null;
  onclose: Handler<{ code: number; reason: string }> = null;
  onerror: Handler<unknown> = null;

  constructor(readonly url: string) {
    ScriptedSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as ClientMessage);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // ---- the test's side ----
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(message: ServerMessage): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  welcome(name = 'Ann'): void {
    this.receive({ type: 'welcome', user: { id: 'u1', name }, session: 'token-1' });
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

/** The socket the connection opened last. */
export const latest = (): ScriptedSocket => ScriptedSocket.all[ScriptedSocket.all.length - 1]!;
