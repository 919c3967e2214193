/**
 * Reads a request's JSON body, bounded: past `maxBytes` the request is refused `too-large` without reading on,
 * and a body that is not JSON is `bad-request`.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Bodies of the tenant API are small objects (rules); a generous cap still bounds a stranger's upload. */
const DEFAULT_MAX_BYTES = 16 * 1024;
/** A small body arrives at once; one that trickles in (a byte a second) is cut off rather than held open. */
const BODY_DEADLINE_MS = 10_000;

export async function readJsonBody(request: IncomingMessage, maxBytes = DEFAULT_MAX_BYTES): Promise<unknown> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new HttpError('bad-request', 'send the body as JSON, with "Content-Type: application/json"');
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError('too-large', `the body may be at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  const read = (async () => {
    let length = 0;
    for await (const chunk of request) {
      const bytes = chunk as Buffer;
      length += bytes.length;
      if (length > maxBytes) throw new HttpError('too-large', `the body may be at most ${maxBytes} bytes`);
      chunks.push(bytes);
    }
  })();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new HttpError('bad-request', `the body did not arrive within ${BODY_DEADLINE_MS / 1000} s`));
      // The answer goes out first; then the connection that kept trickling is closed.
      setTimeout(() => request.destroy(), 100).unref();
    }, BODY_DEADLINE_MS);
  });
  try {
    await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
    read.catch(() => undefined);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError('bad-request', 'the body must be JSON');
  }
}
