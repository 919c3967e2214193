/** Routes for the built files: `/widget.js`, `/widget.iife.js`, `/demo`, `/dashboard` and their assets. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import type { Route } from './router.js';
import { serveFile } from './static-files.js';
import { pageOf, pageSecurityHeaders } from './security-headers.js';

interface StaticOptions {
  /** Directory with the built widget, demo and dashboard (`config.publicDir`). */
  publicDir: string;
  /** Serve `*.map` files (`config.serveSourceMaps`); off, they are 404 like any missing file. */
  serveSourceMaps: boolean;
  /**
   * Serve `/demo` (`config.demoTenant`). Its pages talk to the `demo` tenant only, so without that tenant they
   * would show a broken widget: off, `/demo` and `/demo/*` are 404 and `/` leads to the dashboard instead.
   */
  serveDemo: boolean;
}

/**
 * @example
 * const routes = staticRoutes({ publicDir: config.publicDir, serveSourceMaps: config.serveSourceMaps, serveDemo: config.demoTenant });
 */
export function staticRoutes(options: StaticOptions): Route[] {
  const { publicDir, serveSourceMaps, serveDemo } = options;
  const home = serveDemo ? '/demo' : '/dashboard';
  const serve = (name: string, request: IncomingMessage, response: ServerResponse, url: URL): Promise<boolean> => {
    const page = pageOf(url.pathname);
    const headers = page ? pageSecurityHeaders(page, request.headers.host) : {};
    return serveFile(publicDir, name, request, response, headers);
  };
  return [
    { method: 'GET', path: '/', handler: (_req, res) => { res.writeHead(302, { location: home }); res.end(); } },
    { method: 'GET', path: '/demo', handler: (req, res, url) => serveDemo && serve('demo/index.html', req, res, url) },
    { method: 'GET', path: '/dashboard', handler: (req, res, url) => serve('dashboard/index.html', req, res, url) },
    // A typed or pasted trailing slash leads to the page (its relative asset paths resolve from there), with its query.
    { method: 'GET', path: '/dashboard/', handler: (_req, res, url) => redirect(res, `/dashboard${url.search}`) },
    { method: 'GET', path: '/demo/', handler: (_req, res, url) => serveDemo && redirect(res, `/demo${url.search}`) },
    { method: 'GET', path: '/*', handler: (req, res, url) => {
      const path = decodePath(url.pathname);
      // A malformed escape (`/%E0%A4%A`) names no file: a plain 404, not a server error.
      if (path === null) return false;
      // Normalized as the file is looked up, so `//demo/` or `/x/../demo/` do not slip past.
      if (!serveDemo && pageOf(posix.normalize(path)) === 'demo') return false;
      // Source maps rebuild the widget's source: served only where the operator asked (SERVE_SOURCE_MAPS).
      if (!serveSourceMaps && path.endsWith('.map')) return false;
      return serve(path, req, res, url);
    } },
  ];
}

function redirect(response: ServerResponse, location: string): true {
  response.writeHead(301, { location });
  response.end();
  return true;
}

function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
