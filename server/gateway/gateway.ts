/**
 * The WebSocket side of the server: accepts sockets on `/ws` of the HTTP server, pings them and terminates
 * the dead, fans bus events out through the topic hub, and drains on shutdown.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { CLOSE_CODES, type ErrorCode, type Limits } from '../../shared/index.js';
import type { ChatService } from '../core/service.js';
import type { SessionSigner } from '../auth/session.js';
import { Connection } from './connection.js';
import { throttledLog } from '../log-throttle.js';
import { TopicHub } from './topic-hub.js';
import type { GatewayMeter } from './meter.js';
import type { AdminFeed } from './admin-feed.js';
import { parseRequestTarget } from '../http/request-target.js';
import type { TenantPresence } from '../usage/presence.js';
import { ClientAddresses, addressKey } from './client-address.js';
import { Admission, type AdmissionVerdict } from './admission.js';
import { GatewayBudgets } from './budgets.js';

export interface GatewayOptions {
  service: ChatService;
  signer: SessionSigner;
  limits: Limits;
  log: Logger;
  meter: GatewayMeter;
  /** True when other nodes share the store and bus (Redis): turns on the hub's seq probe. */
  multiNode?: boolean;
  /** The tenant-wide admin subscriptions (dashboard feed); without it `subscribe-tenant` is forbidden. */
  adminFeed?: AdminFeed;
  /** Live connections and images per tenant (usage peaks, dashboard live stats). */
  presence?: TenantPresence;
  /** Reverse proxies whose `X-Forwarded-For` names the client (`TRUST_PROXY`); none: the peer is the client. */
  trustedProxies?: readonly string[];
}

/**
 * The event's own top-level seq: events are serialized by JSON.stringify, so inside user text a quote is
 * always escaped and cannot form `"seq":`; no nested object of an event has a seq key.
 */
const SEQ_PATTERN = /"seq":(\d+)/;

export class Gateway {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  readonly hub: TopicHub;
  private readonly heartbeat: NodeJS.Timeout;
  private accepting = true;
  /** One throttle for all connections: a stranger with many sockets still writes one line per interval. */
  private readonly handlerFailed: (fields: Record<string, unknown>) => void;
  private readonly addresses: ClientAddresses;
  private readonly admission: Admission;
  private readonly budgets: GatewayBudgets;

  constructor(private readonly options: GatewayOptions) {
    const { service, limits, log, meter } = options;
    this.handlerFailed = throttledLog(log, 'error', 'handler failed');
    this.addresses = new ClientAddresses(options.trustedProxies ?? []);
    this.admission = new Admission(limits);
    this.budgets = new GatewayBudgets(limits, (inFlight) => meter.readsInFlightChanged?.(inFlight));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: limits.MAX_FRAME_BYTES, perMessageDeflate: false });
    this.hub = new TopicHub({
      gapWaitMs: limits.GAP_WAIT_MS,
      fetchEvents: (key, after, upTo) => service.store.eventsBetween(key, after, upTo),
      onTopicOpened: (topic) => service.bus.subscribe(topic),
      onTopicClosed: (topic) => service.bus.unsubscribe(topic),
      onError: (error) => log.error({ err: error }, 'topic hub'),
      // Only across nodes can an event be stored and never published (its node died in between); one node's
      // clients all reconnect and resync when it dies.
      ...(options.multiNode ? { probeSeq: (key) => service.store.headSeq(key), probeIntervalMs: limits.SEQ_PROBE_INTERVAL_MS, probeBatch: 100 } : {}),
    });
    service.bus.onMessage((topic, payload) => {
      if (options.adminFeed?.receive(topic, payload)) return;
      // Only the seq is needed to order the event; the payload is passed on to sockets untouched.
      const match = SEQ_PATTERN.exec(payload);
      if (!match) return log.warn({ topic }, 'bus message without seq ignored');
      meter.busReceived();
      // Encoded once here; every local subscriber is sent these same bytes.
      this.hub.publish(topic, Number(match[1]), Buffer.from(payload));
    });
    service.bus.onStatus({
      onDown: () => log.warn('bus down: local fan-out continues; remote events will be recovered'),
      onUp: () => {
        log.info('bus up again: telling subscribers to resync');
        this.hub.resyncAll();
      },
    });
    this.heartbeat = setInterval(() => this.pingAll(), limits.SERVER_PING_INTERVAL_MS);
    this.heartbeat.unref();
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get topicCount(): number {
    return this.hub.topicCount;
  }

  /**
   * Attaches to an HTTP server's upgrade requests for `/ws`. Each upgrade is its own error boundary: whatever
   * throws is logged and ends that socket (400 while no handshake was sent), never the process.
   */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node takes its own listeners off an upgraded socket: without one, a reset before ws has it would throw.
      socket.on('error', (error) => this.options.log.debug({ err: error }, 'upgrade socket error'));
      let upgraded = false;
      try {
        const path = parseRequestTarget(request.url)?.pathname;
        if (path === undefined) return void socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        if (path !== '/ws' || !this.accepting) {
          socket.end(`HTTP/1.1 ${this.accepting ? '404 Not Found' : '503 Service Unavailable'}\r\nConnection: close\r\n\r\n`);
          return;
        }
        this.wss.handleUpgrade(request, socket, head, (ws) => {
          upgraded = true;
          this.accept(ws, request);
        });
      } catch (error) {
        this.options.log.error({ err: error, target: request.url }, 'websocket upgrade failed');
        if (upgraded || !socket.writable) socket.destroy();
        else socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    });
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const { meter, log } = this.options;
    const address = addressKey(this.addresses.of(request.socket.remoteAddress, request.headers['x-forwarded-for']));
    const verdict = this.admission.admit(address);
    if (!verdict.ok) return this.refuse(ws, verdict);
    const connection = new Connection(ws, request.headers.origin, {
      service: this.options.service,
      hub: this.hub,
      signer: this.options.signer,
      limits: this.options.limits,
      log,
      outboxHooks: {
        delivered: (tenantId, events, bytes, urlIds) => meter.delivered(tenantId, events, bytes, urlIds),
        overflow: () => meter.slowClientClosed(),
      },
      onError: (code: ErrorCode) => meter.error(code),
      onWriteAcked: (seconds: number) => meter.writeAcked?.(seconds),
      onBudgetRefused: (budget) => meter.budgetRefused?.(budget),
      handlerFailed: this.handlerFailed,
      address,
      budgets: this.budgets.forConnection(address),
      adminFeed: this.options.adminFeed,
      presence: this.options.presence,
    });
    this.connections.add(connection);
    meter.connectionOpened(this.connections.size);
    ws.on('close', () => {
      this.connections.delete(connection);
      this.admission.release(address);
      meter.connectionClosed(this.connections.size);
    });
    // Oversized frames: ws closes with 1009 itself; other protocol errors with 1002.
    ws.on('error', (error) => log.debug({ err: error }, 'websocket error'));
  }

  /** Closes a socket admission refused, with the code and reason that tell the client to come back later. */
  private refuse(ws: WebSocket, verdict: Exclude<AdmissionVerdict, { ok: true }>): void {
    this.options.meter.connectionRefused?.(verdict.reason);
    // Debug only: a stranger must not be able to fill the log by connecting.
    this.options.log.debug({ reason: verdict.reason }, 'websocket refused');
    ws.on('error', (error) => this.options.log.debug({ err: error }, 'refused websocket error'));
    ws.close(verdict.closeCode, verdict.message);
    // A refused socket holds a descriptor until it is gone: a peer that does not answer the close is cut off soon.
    setTimeout(() => ws.terminate(), this.options.limits.CLOSE_GRACE_MS).unref();
  }

  private pingAll(): void {
    for (const connection of this.connections) connection.heartbeat();
  }

  /** Stops accepting; existing sockets stay until `drain`. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every socket with 1001, spread over `windowMs` so clients do not reconnect all at once. */
  async drain(windowMs: number): Promise<void> {
    this.stopAccepting();
    const all = [...this.connections];
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
    for (const connection of this.connections) connection.close(CLOSE_CODES.GOING_AWAY, 'server shutting down');
    this.hub.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
