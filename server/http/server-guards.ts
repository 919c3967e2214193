/**
 * The per-connection error boundary of the HTTP server, for what happens outside any request handler:
 * - `clientError` (input Node's parser rejects, timeouts, resets): a short 400/408/413/431 when the socket can
 *   still take one, else the socket is destroyed;
 * - `connect` (a CONNECT request, which Node hands over as a raw socket): 405, this is not a proxy;
 * - `error` after listen (EMFILE at accept, …): logged, never thrown, so a full descriptor table cannot end the
 *   process;
 * - `drop` (the descriptor-derived connection cap is reached): counted, and logged through a throttle.
 * A stranger can cause every one of these lines, so each goes through `throttledLog` (one line per interval).
 * `serverTimeouts` gives the options that bound how long a half-open request holds its connection (it ends in
 * the 408 above).
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ErrorCode, Limits } from '../../shared/index.js';
import { throttledLog } from '../log-throttle.js';

/**
 * How often Node looks for requests past their headers or request timeout (its default, 30 s, would let a
 * 10 s headers timeout run to 40 s). The check walks only connections with a request in progress.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * The `createServer` options that end slow and half-open requests (`HTTP_HEADERS_TIMEOUT_MS`,
 * `HTTP_REQUEST_TIMEOUT_MS`), checked every second so they are enforced about on time.
 *
 * @example
 * const http = createServer(serverTimeouts(config.limits), handler);
 */
export function serverTimeouts(limits: Limits): Pick<ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'> {
  return {
    headersTimeout: limits.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeout: limits.HTTP_REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.HTTP_HEADERS_TIMEOUT_MS),
  };
}

interface ServerGuardOptions {
  log: Logger;
  /** The TCP connection cap derived from the open-files limit (`tcpConnectionCap`); undefined: none. */
  maxConnections: number | undefined;
  /** Called for each connection dropped at accept because the cap was reached. */
  onDrop: () => void;
}

interface RawStatus { status: string; code: ErrorCode; message: string }

const NOT_HTTP = 'the request is not valid HTTP/1.1';

/** Status lines for parser errors, by Node's error code; anything else is a 400. */
const CLIENT_ERROR_STATUS: Record<string, RawStatus> = {
  HPE_HEADER_OVERFLOW: { status: '431 Request Header Fields Too Large', code: 'too-large', message: NOT_HTTP },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: '413 Payload Too Large', code: 'too-large', message: NOT_HTTP },
  ERR_HTTP_REQUEST_TIMEOUT: { status: '408 Request Timeout', code: 'bad-request', message: 'the request did not arrive in time' },
};
const BAD_REQUEST: RawStatus = { status: '400 Bad Request', code: 'bad-request', message: NOT_HTTP };

/** Errors that mean the peer is gone: there is no one to answer. */
const PEER_GONE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Installs the guards; call once, before `listen`. Sets `server.maxConnections` to the cap given.
 *
 * @example
 * guardServer(http, { log, maxConnections: tcpCap, onDrop: () => metrics.connectionDropped('fd-limit') });
 */
export function guardServer(server: Server, options: ServerGuardOptions): void {
  const { log } = options;
  const afterResponses = trackResponses(server);

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const code = error.code ?? '';
    if (PEER_GONE.has(code) || !socket.writable) {
      socket.destroy();
      return;
    }
    log.debug({ code, reason: error.message }, 'http request rejected by the parser');
    const status = CLIENT_ERROR_STATUS[code] ?? BAD_REQUEST;
    const answer = rawResponse(status);
    // Pipelined after a request still being answered: the 400 is written after that response, not inside it.
    afterResponses(socket, () => {
      if (socket.writable) socket.end(answer, () => socket.destroy());
      else socket.destroy();
    });
  });

  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawResponse({ status: '405 Method Not Allowed', code: 'bad-request', message: 'this server is not a proxy' }), () => socket.destroy());
  });

  const warnAccept = throttledLog(log, 'warn', 'http server error (connections are still served)');
  server.on('listening', () => {
    // During listen, app.ts's once('error') reports EADDRINUSE and the like as a failed start.
    server.on('error', (error: NodeJS.ErrnoException) => warnAccept({ code: error.code, reason: error.message }));
  });

  const cap = options.maxConnections;
  if (cap === undefined) return;
  server.maxConnections = cap;
  const warnDrop = throttledLog(log, 'warn', 'connection dropped: at the open-files limit less FD_RESERVE');
  server.on('drop', () => {
    options.onDrop();
    warnDrop({ maxConnections: cap });
  });
}

/**
 * Runs a callback once every response begun on a socket has finished (at once when there is none); a request
 * counts from its `request` event.
 */
function trackResponses(server: Server): (socket: Duplex, then: () => void) => void {
  const open = new WeakMap<Duplex, { count: number; waiting: (() => void)[] }>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    const state = open.get(socket) ?? { count: 0, waiting: [] };
    open.set(socket, state);
    state.count += 1;
    response.once('close', () => {
      state.count -= 1;
      if (state.count === 0) for (const then of state.waiting.splice(0)) then();
    });
  });
  return (socket, then) => {
    const state = open.get(socket);
    if (!state || state.count === 0) then();
    else state.waiting.push(then);
  };
}

/** A whole response written straight to a socket, in the JSON error shape of the routes. */
function rawResponse({ status, code, message }: RawStatus): string {
  const body = JSON.stringify({ error: { code, message } });
  return `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n`
    + `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
