/**
 * A site owner's web server for the embedding tests: a second origin (its own port, not the image-chat server)
 * serving the test's pages with the headers the test gives (a Content-Security-Policy, say), its stylesheets and
 * pictures, and logging what it was asked for (to see that a lazy image stays unloaded). The widget then runs
 * embedded the way it does on real sites, loaded from the image-chat server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One response of the site: its body, content type (HTML by default) and extra headers. */
export interface SiteFile {
  body: string | Buffer;
  type?: string;
  headers?: Record<string, string>;
}

export interface Site {
  /** `http://127.0.0.1:PORT`, an origin other than the image-chat server's. */
  url: string;
  /** The same as `url`: the page's origin, as the widget's server sees it. */
  origin: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Adds or replaces a file (pages are written per test). */
  put(path: string, file: SiteFile): void;
  close(): Promise<void>;
}

/** A picture of `width`×`height` with a label, as an SVG with intrinsic size (like a photo file). */
export function picture(width: number, height: number, label: string): SiteFile {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#9cc"/><text x="20" y="60" font-size="48">${label}</text></svg>`;
  return { type: 'image/svg+xml', body: svg };
}

/** A flat 600×400 picture (light or dark) the site serves as an image file. */
export function flatPicture(fill: string): SiteFile {
  return { type: 'image/svg+xml', body: `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400"><rect width="600" height="400" fill="${fill}"/></svg>` };
}

/** An HTML page: `body` inside a small document with a viewport meta tag. */
export function page(body: string): SiteFile {
  return {
    type: 'text/html; charset=utf-8',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Site</title>
<style>body { margin: 0; padding: 16px; font: 16px/1.5 sans-serif; } img { max-width: 100%; height: auto; }</style></head><body>${body}</body></html>`,
  };
}

/** Starts the site on a free port of 127.0.0.1 with `files` by path (`/page.html`, `/site.css`); any other path is a 404. */
export async function startSite(files: Record<string, SiteFile> = {}): Promise<Site> {
  const table = new Map(Object.entries(files));
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://site').pathname;
    requests.push(path);
    const file = table.get(path);
    // A browser asks for a favicon on its own; a 404 for it would be noise among the console errors tests read.
    if (!file && path === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    if (!file) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
      return;
    }
    response.writeHead(200, { 'content-type': file.type ?? 'text/html; charset=utf-8', 'cache-control': 'no-store', ...file.headers }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    origin: url,
    requests,
    put: (path, file) => { table.set(path, file); },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
