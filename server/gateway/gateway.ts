/**
 * The WebSocket side of the server: accepts sockets on `/ws` of the HTTP server (admission first), gives each
 * a `ClientConnection`, pings them and terminates the dead, and closes them spread out on shutdown.
 */
import type { IncomingMessage, Server } from 'node:http';
import { randomInt } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CLOSE_CODES } from '../../shared/index.js';
import { connLabel, connectionContexts, type ConnectionContext } from './connection-context.js';
import { ClientConnection } from './client-connection.js';
import { throttledLog } from '../log-throttle.js';
import { parseRequestTarget } from '../http/request-target.js';
import { ClientAddresses, addressKey, peerAddressOf } from './client-address.js';
import { Admission, type AdmissionVerdict } from './admission.js';
import { GatewayBudgets } from './budgets.js';

/** The node's services every connection is given, and who the node's reverse proxies are. */
interface GatewayOptions extends Pick<ConnectionContext, 'service' | 'hub' | 'signer' | 'secrets' | 'limits' | 'log' | 'meter' | 'tenantFeed' | 'presence' | 'viewers'> {
  /** Reverse proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`); none: the peer is the client. */
  trustedProxies?: readonly string[];
}

/**
 * Heartbeats go out in slices: every connection is pinged once per SERVER_PING_INTERVAL_MS, a twentieth of them
 * at a time. Pinging 18,000 sockets in one turn held the event loop for over a second on a busy machine (issue 14).
 */
const PING_SLICES = 20;

/** Connection ids stay small integers (no string per connection), shown as 8 hex digits on log lines. */
const CONN_ID_MASK = 0x7fffffff;

export class Gateway {
  private readonly wss: WebSocketServer;
  /** Open connections, in PING_SLICES sets by id: a heartbeat tick pings one set instead of scanning them all. */
  private readonly slices = Array.from({ length: PING_SLICES }, () => new Set<ClientConnection>());
  private openCount = 0;
  private readonly heartbeat: NodeJS.Timeout;
  /** The slice pinged next (a connection's slice is its id modulo PING_SLICES: ids count up, so they spread evenly). */
  private pingTick = 0;
  /** Connection ids count up from a random start, so two nodes' logs rarely share one. */
  private nextConnId = randomInt(CONN_ID_MASK);
  private accepting = true;
  /** One throttle for all connections: a stranger with many sockets still writes one line per interval. */
  private readonly handlerFailed: (fields: Record<string, unknown>) => void;
  private readonly addresses: ClientAddresses;
  private readonly admission: Admission;
  /** The node's shared budgets; the REST API charges REST writes to the tenant's write budget here too. */
  readonly budgets: GatewayBudgets;
  /** A connection's context: its own few fields, over the node-wide part (gateway options, the node's hooks). */
  private readonly newContext: (connId: number, address: string, origin: string | undefined) => ConnectionContext;

  constructor(private readonly options: GatewayOptions) {
    const { limits, log, meter } = options;
    this.handlerFailed = throttledLog(log, 'error', 'handler failed');
    this.addresses = new ClientAddresses(options.trustedProxies ?? []);
    this.admission = new Admission(limits);
    this.budgets = new GatewayBudgets(limits, (inFlight) => meter.readsInFlightChanged(inFlight));
    this.newContext = connectionContexts({
      service: options.service, hub: options.hub, signer: options.signer, secrets: options.secrets, limits, log,
      released: this.released, meter, handlerFailed: this.handlerFailed, budgets: this.budgets,
      tenantFeed: options.tenantFeed, presence: options.presence, viewers: options.viewers,
    });
    // clientTracking off: ws's own set of clients (and its close listener, a closure per socket) would repeat
    // `connections` (issue 14: memory per idle connection).
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
    this.heartbeat = setInterval(() => this.pingSlice(), limits.SERVER_PING_INTERVAL_MS / PING_SLICES);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.openCount;
  }

  /**
   * Attaches to an HTTP server's upgrade requests for `/ws`. Each upgrade is its own error boundary: whatever
   * throws is logged and ends that socket (400 while no handshake was sent), never the process.
   */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node takes its own listeners off an upgraded socket: without one, a reset before ws has it would throw.
      // One shared listener: a closure made here would keep this request (and its headers) for the socket's life.
      socket.on('error', this.upgradeSocketError);
      let upgraded = false;
      try {
        // The widget's own target needs no URL parsed (a crowd's arrival is thousands of these a second).
        const path = request.url === '/ws' ? '/ws' : parseRequestTarget(request.url)?.pathname;
        if (path === undefined) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        if (path !== '/ws' || !this.accepting) {
          socket.end(`HTTP/1.1 ${this.accepting ? '404 Not Found' : '503 Service Unavailable'}\r\nConnection: close\r\n\r\n`);
          return;
        }
        this.wss.handleUpgrade(request, socket, head, (ws) => {
          upgraded = true;
          // ws listens for the socket's errors from here on.
          socket.off('error', this.upgradeSocketError);
          this.accept(ws, request);
        });
      } catch (error) {
        this.options.log.error({ err: error, path: (request.url ?? '').split('?')[0]!.slice(0, 200) }, 'websocket upgrade failed');
        if (upgraded || !socket.writable) socket.destroy();
        else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    });
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const { meter } = this.options;
    const verdict = this.admission.admit(addressKey(this.addresses.of(peerAddressOf(request.socket), request.headers['x-forwarded-for'])));
    if (!verdict.ok) return this.refuse(ws, verdict);
    // The address as admission holds it: one string for all of an address's connections.
    const address = verdict.key;
    // One id on every line about this connection, so an operator can follow one client with a grep.
    const connId = (this.nextConnId = (this.nextConnId + 1) & CONN_ID_MASK);
    const { log } = this.options;
    // Guarded: the fields would be built for every connection even with debug off.
    if (log.isLevelEnabled('debug')) log.debug({ conn: connLabel(connId), address, origin: request.headers.origin?.slice(0, 200) }, 'connection opened');
    const connection = new ClientConnection(ws, this.newContext(connId, address, request.headers.origin));
    this.sliceOf(connection).add(connection);
    this.openCount += 1;
    meter.connectionOpened(this.openCount);
  }

  /** Logs an error of a socket being upgraded; stays on the socket, so it holds nothing of the request. */
  private readonly upgradeSocketError = (error: Error): void => {
    this.options.log.debug({ err: error }, 'upgrade socket error');
  };

  /** A connection's socket closed: forgotten, and its address's slot freed (one function for all connections). */
  private readonly released = (connection: ClientConnection): void => {
    if (this.sliceOf(connection).delete(connection)) this.openCount -= 1;
    this.admission.release(connection.address);
    this.options.meter.connectionClosed(this.openCount);
  };

  /** Closes a socket admission refused, with the code and reason that tell the client to come back later. */
  private refuse(ws: WebSocket, verdict: Exclude<AdmissionVerdict, { ok: true }>): void {
    this.options.meter.connectionRefused(verdict.reason);
    // Debug only: a stranger must not be able to fill the log by connecting.
    this.options.log.debug({ reason: verdict.reason }, 'websocket refused');
    ws.on('error', (error) => this.options.log.debug({ err: error }, 'refused websocket error'));
    ws.close(verdict.closeCode, verdict.message);
    // A refused socket holds a descriptor until it is gone: a peer that does not answer the close is cut off soon.
    setTimeout(() => ws.terminate(), this.options.limits.CLOSE_GRACE_MS).unref();
  }

  private sliceOf(connection: ClientConnection): Set<ClientConnection> {
    return this.slices[connection.connId % PING_SLICES]!;
  }

  private *connections(): IterableIterator<ClientConnection> {
    for (const slice of this.slices) yield* slice;
  }

  private pingSlice(): void {
    const slice = this.pingTick;
    this.pingTick = (this.pingTick + 1) % PING_SLICES;
    for (const connection of this.slices[slice]!) connection.heartbeat();
  }

  /** A tenant changed (its rules): every connection that said hello to it is welcomed again with the new rules. */
  async tenantChanged(tenantId: string): Promise<void> {
    const access = await this.options.service.access(tenantId, 'any');
    if (!access.ok) return;
    this.options.viewers?.rulesChanged(tenantId, access.tenant.rules);
    for (const connection of this.connections()) connection.tenantChanged(access.tenant);
  }

  /** Stops accepting; existing sockets stay until `closeSpread`. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every socket with 1001, spread over `windowMs` so clients do not reconnect all at once. */
  async closeSpread(windowMs: number): Promise<void> {
    this.stopAccepting();
    const all = [...this.connections()];
    const step = all.length > 1 ? windowMs / all.length : 0;
    for (const [index, connection] of all.entries()) {
      if (step > 0 && index > 0) await new Promise((resolve) => setTimeout(resolve, step));
      connection.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.admission.close();
    this.budgets.close();
    for (const connection of this.connections()) connection.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
