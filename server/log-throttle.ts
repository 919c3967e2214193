/**
 * Log lines a stranger can cause (a failing handler, a refused connection) are written at once, then at most
 * once per interval with how many were held back, so nobody can fill the disk through the log.
 */
import type { Logger } from 'pino';

/** How often one kind of throttled line is written at most. */
const THROTTLED_LOG_EVERY_MS = 10_000;

type Level = 'error' | 'warn' | 'info';

/**
 * @example
 * const failed = throttledLog(log, 'error', 'handler failed');
 * failed({ err, type: 'subscribe' }); // written; the next ones within 10 s are counted, not written
 */
export function throttledLog(log: Logger, level: Level, message: string, everyMs = THROTTLED_LOG_EVERY_MS, now: () => number = Date.now): (fields: Record<string, unknown>) => void {
  let last = -Infinity;
  let held = 0;
  return (fields) => {
    held += 1;
    const at = now();
    if (at - last < everyMs) return;
    log[level]({ ...fields, times: held }, message);
    last = at;
    held = 0;
  };
}
