/**
 * Serves the built widget, demo and dashboard from one directory. Only files under that directory are
 * reachable; names are resolved and checked, never concatenated blindly.
 *
 * Files up to MAX_CACHED_FILE_BYTES are served from memory (read once, re-read when their size or mtime
 * changes): a request holds no file descriptor, so pipelined requests a client never reads cannot pile up
 * open files. A larger file is opened before the status line is written, so running out of file descriptors
 * is still a clean 503, and its stream's errors are handled by `pipeline` instead of reaching the process.
 *
 * A cached text file is also sent brotli- or gzip-compressed when the request accepts it (compressed once per
 * version, encodings.ts), with an ETag per representation so `If-None-Match` gets a 304, and the cache lifetime
 * of http-caching.ts (a year for versioned bundles such as `widget.<hash>.js`, five minutes for `widget.js`).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';
import { compress, isCompressible, MIN_COMPRESS_BYTES, preferredEncoding, type Encoding } from './encodings.js';
import { cacheControlFor, clientHasCurrent, encodedEtag, etagOf } from './http-caching.js';

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

/** The built bundles are well below this; source maps too. */
const MAX_CACHED_FILE_BYTES = 1024 * 1024;
/** All cached files together (their plain bytes; each compressed copy is smaller): a public folder is a few MB. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;

type Opened =
  | { kind: 'file'; handle: FileHandle; size: number }
  | { kind: 'cached'; file: CachedFile }
  | { kind: 'missing' }
  | { kind: 'exhausted' };

interface CachedFile {
  size: number;
  mtimeMs: number;
  body: Buffer;
  etag: string;
  /** The compressed copies made so far; null where compressing saved nothing. */
  encoded: Partial<Record<Encoding, Promise<Buffer | null>>>;
}

const cache = new Map<string, CachedFile>();
let cachedBytes = 0;

/**
 * Answers with the file at `relativePath` under `root`; returns false when there is none. `headers` are added
 * to a 200 or 304 (the pages' security headers).
 *
 * @example
 * const served = await serveFile('/srv/public', 'widget.js', request, response);
 * if (!served) throw new HttpError('not-found', 'no such file');
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
    throw new HttpError('unavailable', 'the server is at its open-files limit; try again shortly', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const common: OutgoingHttpHeaders = {
    'content-type': type,
    // The widget is loaded cross-origin by site owners' pages.
    'access-control-allow-origin': '*',
    'cache-control': cacheControlFor(path, type),
    'x-content-type-options': 'nosniff',
  };
  if (opened.kind === 'cached') {
    await sendCached(opened.file, request, response, { ...common, ...headers });
    return true;
  }
  response.writeHead(200, { ...common, 'content-length': opened.size, ...headers });
  const { handle } = opened;
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

/** Answers with a cached file: compressed when the client accepts it, 304 when its copy is current. */
async function sendCached(file: CachedFile, request: IncomingMessage, response: ServerResponse, headers: OutgoingHttpHeaders): Promise<void> {
  const type = String(headers['content-type']);
  const compressible = isCompressible(type) && file.body.length >= MIN_COMPRESS_BYTES;
  const wanted = compressible ? preferredEncoding(request.headers['accept-encoding']) : null;
  const encoded = wanted ? await encodedCopy(file, wanted) : null;
  const encoding = encoded ? wanted : null;
  const body = encoded ?? file.body;
  const etag = encodedEtag(file.etag, encoding);
  const answer: OutgoingHttpHeaders = { ...headers, etag, ...(compressible ? { vary: 'Accept-Encoding' } : {}) };
  if (clientHasCurrent(request, etag)) {
    delete answer['content-type'];
    response.writeHead(304, answer);
    response.end();
    return;
  }
  response.writeHead(200, { ...answer, ...(encoding ? { 'content-encoding': encoding } : {}), 'content-length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** The file compressed in `encoding`, made on first use and kept with the file; null when it is no smaller. */
function encodedCopy(file: CachedFile, encoding: Encoding): Promise<Buffer | null> {
  // A compressor failure (out of memory) leaves this version plain rather than failing every request for it.
  file.encoded[encoding] ??= compress(file.body, encoding).then((copy) => (copy.length < file.body.length ? copy : null), () => null);
  return file.encoded[encoding];
}

/** The file from memory when it is small and unchanged since it was read; else opened for streaming. */
async function openFile(path: string): Promise<Opened> {
  let info;
  try {
    // stat by name holds no descriptor.
    info = await stat(path);
  } catch (error) {
    return refusal(error);
  }
  if (!info.isFile()) return { kind: 'missing' };
  const cached = cache.get(path);
  if (cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs) return { kind: 'cached', file: cached };
  const opened = await openForStreaming(path);
  if (opened.kind !== 'file' || opened.size > MAX_CACHED_FILE_BYTES) return opened;
  try {
    const body = await opened.handle.readFile();
    const file: CachedFile = { size: info.size, mtimeMs: info.mtimeMs, body, etag: etagOf(body), encoded: {} };
    remember(path, file);
    return { kind: 'cached', file };
  } finally {
    await opened.handle.close();
  }
}

function remember(path: string, file: CachedFile): void {
  const previous = cache.get(path);
  if (previous) {
    cache.delete(path);
    cachedBytes -= previous.body.length;
  }
  if (cachedBytes + file.body.length > MAX_CACHE_BYTES) return;
  cache.set(path, file);
  cachedBytes += file.body.length;
}

function refusal(error: unknown): Opened {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (OUT_OF_DESCRIPTORS.has(code)) return { kind: 'exhausted' };
  if (NOT_THERE.has(code)) return { kind: 'missing' };
  throw error;
}

/** Opens a regular file for reading; a directory or an unreadable name is `missing`. */
async function openForStreaming(path: string): Promise<Opened> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return refusal(error);
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
