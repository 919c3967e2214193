/** Routes for the built files: `/widget.js`, `/widget.iife.js`, `/demo`, `/dashboard` and their assets. */
import type { Route } from './router.js';
import { serveFile } from './static-files.js';

export function staticRoutes(publicDir: string): Route[] {
  const file = (name: string) => (req: Parameters<Route['handler']>[0], res: Parameters<Route['handler']>[1]) => serveFile(publicDir, name, req, res);
  return [
    { method: 'GET', path: '/', handler: (_req, res) => { res.writeHead(302, { location: '/demo' }); res.end(); } },
    { method: 'GET', path: '/demo', handler: file('demo/index.html') },
    { method: 'GET', path: '/dashboard', handler: file('dashboard/index.html') },
    { method: 'GET', path: '/*', handler: (req, res, url) => {
      const path = decodePath(url.pathname);
      // A malformed escape (`/%E0%A4%A`) names no file: a plain 404, not a server error.
      return path === null ? false : serveFile(publicDir, path, req, res);
    } },
  ];
}

function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
