/**
 * The process's open-files limit and the connection cap derived from it. Every TCP connection holds a file
 * descriptor; capping connections below the limit keeps descriptors free for the store, static files and the
 * log, so near the limit a node refuses new connections at accept instead of failing somewhere else.
 */
import { readFileSync } from 'node:fs';

/** `Max open files   1024   4096   files`: the soft limit is the first number (or "unlimited"). */
const OPEN_FILES = /^Max open files\s+(\d+|unlimited)\s/m;

/**
 * The soft open-files limit from `/proc/self/limits` (Linux), or undefined when it cannot be read or is
 * unlimited: then there is no cap to derive.
 *
 * @example
 * readOpenFilesLimit('Max open files            128                  128                  files\n'); // 128
 */
export function readOpenFilesLimit(limitsText: string | undefined = readProcLimits()): number | undefined {
  const match = limitsText === undefined ? null : OPEN_FILES.exec(limitsText);
  if (!match || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}

function readProcLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    // Not Linux, or /proc not mounted: no cap, as before.
    return undefined;
  }
}

/**
 * The most TCP connections the HTTP server may hold: the open-files limit less `reserve`. Undefined when the
 * limit is unknown. A limit at or below the reserve leaves no room for any connection and stops the start.
 */
export function connectionCap(openFilesLimit: number | undefined, reserve: number): number | undefined {
  if (openFilesLimit === undefined) return undefined;
  if (openFilesLimit <= reserve) {
    throw new Error(`the open-files limit (${openFilesLimit}) is not above FD_RESERVE (${reserve}): raise "ulimit -n" or lower FD_RESERVE`);
  }
  return openFilesLimit - reserve;
}

/**
 * TCP connections kept for plain HTTP under the cap (health checks, `/widget.js`, the REST API): a tenth of the
 * cap, at least 16 and at most 1,024. Plain requests are short, so a thousand descriptors serve far more than a
 * node sees at once, while a tenth of a large cap (1,948 of 19,488) would keep WebSockets from the 18,000 a node
 * holds on a 20,000-file limit (issue 14).
 */
const HTTP_SHARE_MIN = 16;
const HTTP_SHARE_MAX = 1_024;

/**
 * The most WebSockets a node lets in under a TCP cap: the cap less the plain-HTTP share above, so near the
 * limit a WebSocket is refused with 1013 (the widget backs off and may land on another node) before
 * connections are dropped at accept with no reason at all.
 *
 * @example
 * webSocketCap(19_488, 18_000); // 18_000 (19_488 less 1,024 would allow 18,464)
 * webSocketCap(80, 18_000);     // 64
 */
export function webSocketCap(tcpCap: number | undefined, maxConnections: number): number {
  if (tcpCap === undefined) return maxConnections;
  const httpShare = Math.min(HTTP_SHARE_MAX, Math.max(HTTP_SHARE_MIN, Math.floor(tcpCap / 10)));
  return Math.max(1, Math.min(maxConnections, tcpCap - httpShare));
}
