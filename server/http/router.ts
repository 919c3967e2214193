/**
 * The HTTP side: health, readiness, the widget bundle, the demo and (later) the dashboard and REST API.
 * Routes are few and fixed, so a small table beats a framework. Every request runs inside one error boundary
 * here: an `HttpError` a handler throws is answered with its code's status; anything else it throws or rejects
 * with is logged once and answered 500, never left to kill the process.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ERROR_CODES, type ErrorCode } from '../../shared/index.js';
import { throttledLog } from '../log-throttle.js';
import { parseRequestTarget } from './request-target.js';
import { HttpError } from './http-error.js';

export type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean | void> | boolean | void;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | '*';
  /** Exact path, or a prefix ending in "/" or "*". */
  path: string;
  handler: Handler;
}

/** Answers with `body` as JSON, never cached. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

/** Answers `{ error: { code, message } }` with the HTTP status of `code` (shared/errors.ts). */
function sendError(response: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(response, ERROR_CODES[code].http, { error: { code, message } });
}

function matches(route: Route, method: string, path: string): boolean {
  if (route.method !== '*' && route.method !== method && !(route.method === 'GET' && method === 'HEAD')) return false;
  return route.path.endsWith('*') ? path.startsWith(route.path.slice(0, -1)) : path === route.path;
}

/**
 * The `request` listener of the HTTP server: routes the request and is its error boundary. The returned
 * promise never rejects, so Node never sees an unhandled rejection from a request. Failures are logged through
 * one throttle (the first at once, then one line per interval with a count), so a stranger who finds a failing
 * path cannot fill the log.
 *
 * @example
 * const http = createServer(createRequestHandler([...healthRoutes(store, bus, isDraining)], log));
 */
export function createRequestHandler(routes: Route[], log: Logger) {
  const failed = throttledLog(log, 'error', 'http handler failed');
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const req = requestIdOf(request);
    const started = Date.now();
    response.setHeader('x-request-id', req);
    // The path only: a query string can hold what someone typed (a comment search).
    const path = (request.url ?? '').split('?')[0]!.slice(0, 200);
    // Only at debug: at info nothing is added to each request.
    if (log.isLevelEnabled('debug')) {
      response.once('finish', () => log.debug({ req, method: request.method, path, status: response.statusCode, ms: Date.now() - started }, 'http'));
    }
    try {
      await route(routes, request, response);
    } catch (error) {
      // A refusal a handler chose to throw: answered as such, not logged as a failure.
      if (error instanceof HttpError && !response.headersSent) return answerRefusal(response, error);
      failed({ err: error, req, method: request.method, path });
      answerFailure(response);
    }
  };
}

/** The id of a request: a proxy's `X-Request-Id` when it is a plain token (nginx's `$request_id`), else a new one. */
function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomBytes(8).toString('hex');
}

async function route(routes: Route[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = parseRequestTarget(request.url);
  if (url === null) return sendError(response, 'bad-request', 'the request target is not a path or an http(s) URL');
  const method = request.method ?? 'GET';
  for (const route of routes) {
    if (!matches(route, method, url.pathname)) continue;
    const handled = await route.handler(request, response, url);
    if (handled !== false) return;
  }
  sendError(response, 'not-found', `nothing at ${url.pathname}`);
}

function answerRefusal(response: ServerResponse, error: HttpError): void {
  for (const [name, value] of Object.entries(error.headers)) if (value !== undefined) response.setHeader(name, value);
  sendError(response, error.code, error.message);
}

/** A 500 while the status line can still be chosen; after that only cutting the connection tells the client. */
function answerFailure(response: ServerResponse): void {
  // Already answered in full: the client has what it asked for, and cutting now could lose unflushed bytes.
  if (response.writableEnded) return;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  try {
    sendError(response, 'internal', 'unexpected error');
  } catch {
    // The response was half-built (a header set, then the throw): it cannot be trusted to serialize.
    response.destroy();
  }
}
