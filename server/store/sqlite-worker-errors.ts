/**
 * Errors across the SQLite store's worker boundary. Structured clone keeps an Error's class only for the
 * built-in ones and drops own properties such as better-sqlite3's `code` (`SQLITE_FULL`, `SQLITE_BUSY`), so
 * the worker sends what a caller may look at (class, message, code) and the main thread rebuilds the same error.
 */
import Database from 'better-sqlite3';

/** An error as it crosses the boundary. `plan` is a write's planner that threw on the main thread. */
export type WireError =
  | { kind: 'sqlite'; message: string; code: string }
  | { kind: 'builtin'; error: Error; code: string | undefined }
  | { kind: 'plan'; callId: number; message: string };

/**
 * The store's worker stopped (crashed, was terminated, or never started): every pending and later call
 * rejects with this, and the node reports itself not ready (`/readyz`) until it is restarted.
 */
export class StoreWorkerStopped extends Error {
  override readonly name = 'StoreWorkerStopped';
}

/** Thrown inside the worker's write transaction when a planner threw on the main thread: the group rolls back. */
export class PlannerThrew extends Error {
  constructor(readonly callId: number, message: string) {
    super(message);
  }
}

const BUILTIN_ERRORS = new Set(['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']);

/** In the worker: what to send for a failed call. */
export function toWireError(error: unknown): WireError {
  if (error instanceof PlannerThrew) return { kind: 'plan', callId: error.callId, message: error.message };
  if (error instanceof Database.SqliteError) return { kind: 'sqlite', message: error.message, code: error.code };
  if (error instanceof Error && BUILTIN_ERRORS.has(error.constructor.name)) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: 'builtin', error, code: typeof code === 'string' ? code : undefined };
  }
  // Not ours to throw (a value, or an unknown class): its text still reaches the caller.
  return { kind: 'builtin', error: new Error(error instanceof Error ? error.message : String(error)), code: undefined };
}

/**
 * On the main thread: the error the caller sees, of the class and with the code the store threw. `plannerErrors`
 * holds what planners threw on this thread, by write call id: those callers get their planner's own error back.
 */
export function fromWireError(wire: WireError, plannerErrors: ReadonlyMap<number, unknown>): unknown {
  switch (wire.kind) {
    case 'sqlite':
      return new Database.SqliteError(wire.message, wire.code);
    case 'builtin':
      if (wire.code !== undefined) Object.assign(wire.error, { code: wire.code });
      return wire.error;
    case 'plan':
      return plannerErrors.has(wire.callId) ? plannerErrors.get(wire.callId) : new Error(wire.message);
  }
}
