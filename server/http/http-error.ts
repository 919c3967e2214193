/**
 * The one error type of the HTTP side (as Hono's `HTTPException`): a handler throws it with a protocol error
 * code, and the router turns it into the response, its status taken from the code table in shared/errors.ts.
 *
 * @example
 * if (!range.ok) throw new HttpError('invalid-field', range.message);
 */
import type { OutgoingHttpHeaders } from 'node:http';
import type { ErrorCode } from '../../shared/index.js';

export class HttpError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly headers: OutgoingHttpHeaders = {}) {
    super(message);
  }
}
