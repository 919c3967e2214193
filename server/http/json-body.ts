/**
 * Reads a request's JSON body, bounded: past `maxBytes` the request is refused `too-large` without reading on,
 * and a body that is not JSON is `bad-request`.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Bodies of the tenant API are small objects (rules); a generous cap still bounds a stranger's upload. */
const DEFAULT_MAX_BYTES = 16 * 1024;

export async function readJsonBody(request: IncomingMessage, maxBytes = DEFAULT_MAX_BYTES): Promise<unknown> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new HttpError('too-large', `the body may be at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request) {
    const bytes = chunk as Buffer;
    length += bytes.length;
    if (length > maxBytes) throw new HttpError('too-large', `the body may be at most ${maxBytes} bytes`);
    chunks.push(bytes);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError('bad-request', 'the body must be JSON');
  }
}
