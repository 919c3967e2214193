/**
 * Serves the built widget, demo and dashboard from one directory. Only files under that directory are
 * reachable; names are resolved and checked, never concatenated blindly.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.json': 'application/json',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
};

/** Answers with the file at `relativePath` under `root`; returns false when there is none. */
export async function serveFile(root: string, relativePath: string, request: IncomingMessage, response: ServerResponse): Promise<boolean> {
  const path = normalize(join(root, relativePath));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  const info = await stat(path).catch(() => null);
  if (!info || !info.isFile()) return false;
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  response.writeHead(200, {
    'content-type': type,
    'content-length': info.size,
    // The widget is loaded cross-origin by site owners' pages.
    'access-control-allow-origin': '*',
    'cache-control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
    'x-content-type-options': 'nosniff',
  });
  if (request.method === 'HEAD') {
    response.end();
    return true;
  }
  createReadStream(path).pipe(response);
  return true;
}
