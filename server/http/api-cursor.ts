/**
 * The REST API's page cursors (docs/api.md): opaque to callers (base64url of a small JSON value), so a caller
 * cannot come to rely on their form. A cursor this server did not make is refused with `invalid-field`.
 */
import { HttpError } from './http-error.js';

/** A cursor carrying `value`. */
export const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * The value of a cursor `encodeCursor` made, when `accept` recognises it.
 * @example
 * const after = decodeCursor(cursor, (value): value is { after: string } => ...).after;
 */
export function decodeCursor<T>(cursor: string, accept: (value: unknown) => value is T): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (accept(parsed)) return parsed;
  } catch {
    // Answered below, as any cursor this server did not make.
  }
  throw new HttpError('invalid-field', '"cursor" must be a cursor from an earlier answer\'s "nextCursor"');
}

/** The `limit` query parameter: a whole number from 1 to `max`, `fallback` when absent. */
export function pageLimit(url: URL, fallback: number, max: number): number {
  const raw = url.searchParams.get('limit');
  const limit = raw === null ? fallback : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new HttpError('invalid-field', `"limit" must be a whole number from 1 to ${max}`);
  return limit;
}
