/**
 * Serves the built widget, demo and dashboard from one directory. Only files under that directory are
 * reachable; names are resolved and checked, never concatenated blindly. A file is opened before the status
 * line is written, so running out of file descriptors is still a clean 503, and its stream's errors are
 * handled by `pipeline` instead of reaching the process.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sendError } from './router.js';

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

/** Seconds a client is asked to wait when the process is out of file descriptors: connections close quickly. */
const RETRY_AFTER_SECONDS = 5;

/** Open errors that mean "no such file here" to a client, whatever the name it sent. */
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'ENAMETOOLONG', 'ELOOP']);
/** Open errors that mean the process (or the machine) has no file descriptor left: try again later. */
const OUT_OF_DESCRIPTORS = new Set(['EMFILE', 'ENFILE']);

type Opened = { kind: 'file'; handle: FileHandle; size: number } | { kind: 'missing' } | { kind: 'exhausted' };

/**
 * Answers with the file at `relativePath` under `root`; returns false when there is none. `headers` are added
 * to a 200 (the pages' security headers).
 *
 * @example
 * const served = await serveFile('/srv/public', 'widget.js', request, response);
 * if (!served) sendError(response, 'not-found', 'no such file');
 */
export async function serveFile(
  root: string, relativePath: string, request: IncomingMessage, response: ServerResponse, headers: OutgoingHttpHeaders = {},
): Promise<boolean> {
  // A NUL cannot be in a file name, and fs rejects it with a TypeError rather than an errno.
  if (relativePath.includes('\0')) return false;
  const path = normalize(join(root, relativePath));
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return false;
  const opened = await openFile(path);
  if (opened.kind === 'missing') return false;
  if (opened.kind === 'exhausted') {
    response.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    sendError(response, 'unavailable', 'the server is at its open-files limit; try again shortly');
    return true;
  }
  const { handle, size } = opened;
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  response.writeHead(200, {
    'content-type': type,
    'content-length': size,
    // The widget is loaded cross-origin by site owners' pages.
    'access-control-allow-origin': '*',
    'cache-control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  if (request.method === 'HEAD') {
    await handle.close();
    response.end();
    return true;
  }
  // The status is sent: a read error or a client gone mid-file can only end this response. pipeline destroys
  // both streams (closing the file) and hands the error here, where there is nothing left to answer.
  pipeline(handle.createReadStream(), response, () => {});
  return true;
}

/** Opens a regular file for reading; a directory or an unreadable name is `missing`. */
async function openFile(path: string): Promise<Opened> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (OUT_OF_DESCRIPTORS.has(code)) return { kind: 'exhausted' };
    if (NOT_THERE.has(code)) return { kind: 'missing' };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (info.isFile()) return { kind: 'file', handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return { kind: 'missing' };
}
