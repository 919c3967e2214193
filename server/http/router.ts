/**
 * The HTTP side: health, readiness, the widget bundle, the demo and (later) the dashboard and REST API.
 * Routes are few and fixed, so a small table beats a framework.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export type Handler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean | void> | boolean | void;

export interface Route {
  method: 'GET' | 'POST' | 'DELETE' | '*';
  /** Exact path, or a prefix ending in "/" or "*". */
  path: string;
  handler: Handler;
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

function matches(route: Route, method: string, path: string): boolean {
  if (route.method !== '*' && route.method !== method && !(route.method === 'GET' && method === 'HEAD')) return false;
  return route.path.endsWith('*') ? path.startsWith(route.path.slice(0, -1)) : path === route.path;
}

export function createRequestHandler(routes: Route[], log: Logger) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    try {
      for (const route of routes) {
        if (!matches(route, method, url.pathname)) continue;
        const handled = await route.handler(request, response, url);
        if (handled !== false) return;
      }
      sendJson(response, 404, { error: { code: 'not-found', message: `nothing at ${url.pathname}` } });
    } catch (error) {
      log.error({ err: error, path: url.pathname }, 'http handler failed');
      if (!response.headersSent) sendJson(response, 500, { error: { code: 'internal', message: 'unexpected error' } });
      else response.destroy();
    }
  };
}
