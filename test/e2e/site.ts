/**
 * A site owner's page on a second origin: a plain HTTP server on a free port that serves the test's pages with
 * the headers the test gives (a Content-Security-Policy, say), and its stylesheets and pictures as files of the
 * site, so that the widget runs embedded the way it does on real sites, loaded from the image-chat server.
 */
import { createServer, type Server } from 'node:http';
import { freePort } from '../helpers/free-port.mjs';

/** One response of the site: its body, content type and extra headers. */
export interface SiteFile {
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

export interface Site {
  /** `http://127.0.0.1:PORT` (another origin than the image-chat server's, which differs in port). */
  origin: string;
  close(): Promise<void>;
}

/** A 600×400 picture (light or dark, flat) the site serves as an image file. */
export function flatPicture(fill: string): SiteFile {
  return { type: 'image/svg+xml', body: `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400"><rect width="600" height="400" fill="${fill}"/></svg>` };
}

/** Starts the site with `files` by path (`/page.html`, `/site.css`); any other path is a 404. */
export async function startSite(files: Record<string, SiteFile>): Promise<Site> {
  const port = await freePort();
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://site').pathname];
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': file.type ?? 'text/html; charset=utf-8', ...file.headers }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
