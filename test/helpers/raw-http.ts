/**
 * Raw HTTP/1.1 over node:net, for tests that send what no HTTP client would (bad targets, lying bodies, bytes
 * the parser rejects) and check every byte that comes back. `exchange` sends one request on a fresh connection;
 * `parseResponses` reads the answer as a sequence of HTTP/1.1 responses and says exactly what is malformed.
 */
import { connect } from 'node:net';

export interface ExchangeOptions {
  /** Without a complete answer by then, half-close the socket: an unfinished request is then a parse error. */
  halfCloseAfterMs?: number;
  /** After a complete response, wait this long for more (pipelined answers) before hanging up. */
  graceMs?: number;
  /** Give up (and report `timedOut`) after this long. */
  timeoutMs?: number;
  /** The request is HEAD: its final (non-1xx) response has no body whatever its content-length says. */
  head?: boolean;
}

export interface Exchange {
  /** Every byte the server sent. */
  bytes: Buffer;
  /** The server closed (or reset) the connection; false when this side hung up after the answer. */
  closedByServer: boolean;
  /** Neither an answer nor a close within `timeoutMs`. */
  timedOut: boolean;
  /** A socket error code seen on the way (ECONNRESET when the server resets), if any. */
  errorCode: string | undefined;
}

export interface ParsedResponse {
  status: number;
  reason: string;
  /** Lower-cased names; repeated headers keep every value in order. */
  headers: Map<string, string[]>;
  body: Buffer;
}

export interface Parsed {
  responses: ParsedResponse[];
  /** What is wrong with the bytes after the last whole response, or undefined when nothing is. */
  problem: string | undefined;
}

/** Sends `request` on a new connection to 127.0.0.1:`port` and collects the answer. */
export function exchange(port: number, request: string | Buffer, options: ExchangeOptions = {}): Promise<Exchange> {
  // Generous waits: the server answers in milliseconds, but a loaded 2-core machine must not turn into a failure.
  const { halfCloseAfterMs = 1_500, graceMs = 25, timeoutMs = 5_000, head = false } = options;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let hungUp = false;
    let timedOut = false;
    let errorCode: string | undefined;
    let grace: NodeJS.Timeout | undefined;
    const hangUp = (): void => {
      hungUp = true;
      socket.destroy();
    };
    const halfClose = setTimeout(() => socket.end(), halfCloseAfterMs);
    const deadline = setTimeout(() => {
      timedOut = true;
      hangUp();
    }, timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      clearTimeout(grace);
      const parsed = parseResponses(Buffer.concat(chunks), { head, closed: false });
      if (parsed.responses.length > 0 && parsed.problem === undefined) {
        clearTimeout(halfClose);
        grace = setTimeout(hangUp, graceMs);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      errorCode ??= error.code;
    });
    socket.on('close', () => {
      clearTimeout(halfClose);
      clearTimeout(deadline);
      clearTimeout(grace);
      resolve({ bytes: Buffer.concat(chunks), closedByServer: !hungUp, timedOut, errorCode });
    });
  });
}

const STATUS_LINE = /^HTTP\/1\.1 ([1-5]\d\d) ([\t\x20-\x7e]*)\r\n/;
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[\t ]*([\t\x20-\x7e\x80-\xff]*?)[\t ]*$/;

/**
 * Reads `bytes` as consecutive HTTP/1.1 responses. `closed`: the connection has ended, so a body without a
 * length runs to the end and a cut-off response is a problem; open, a cut-off tail is just not there yet
 * (reported as `incomplete`). Bytes after a 101 belong to the upgraded protocol and are not read.
 */
export function parseResponses(bytes: Buffer, options: { head?: boolean; closed?: boolean } = {}): Parsed {
  const { head = false, closed = true } = options;
  const responses: ParsedResponse[] = [];
  let at = 0;
  while (at < bytes.length) {
    const headEnd = bytes.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd === -1) return { responses, problem: closed ? 'cut off in the status line or headers' : 'incomplete' };
    const headText = bytes.subarray(at, headEnd + 2).toString('latin1');
    const status = STATUS_LINE.exec(headText);
    if (!status) return { responses, problem: `not a status line: ${JSON.stringify(headText.slice(0, 60))}` };
    const headers = new Map<string, string[]>();
    for (const line of headText.slice(status[0].length).split('\r\n').slice(0, -1)) {
      const header = HEADER_LINE.exec(line);
      if (!header) return { responses, problem: `not a header line: ${JSON.stringify(line.slice(0, 60))}` };
      const name = (header[1] ?? '').toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), header[2] ?? '']);
    }
    const code = Number(status[1]);
    const bodyStart = headEnd + 4;
    // Interim (1xx) responses come first; the HEAD rule is for the final one.
    const answersHead = head && code >= 200 && responses.every((response) => response.status < 200);
    const body = readBody(bytes, bodyStart, code, headers, answersHead, closed);
    if (typeof body === 'string') return { responses, problem: body };
    responses.push({ status: code, reason: status[2] ?? '', headers, body: bytes.subarray(bodyStart, body) });
    if (code === 101) return { responses, problem: undefined };
    // An answer to HEAD that closes the connection: a client reads no body and no further response, so bytes
    // after it (a body sent anyway, as ws does for a refused HEAD upgrade) are never taken for one.
    if (answersHead && /\bclose\b/i.test(headers.get('connection')?.join(',') ?? '')) return { responses, problem: undefined };
    at = body;
  }
  return { responses, problem: undefined };
}

/** Where the body starting at `start` ends, or what is wrong with it. */
function readBody(bytes: Buffer, start: number, status: number, headers: Map<string, string[]>, head: boolean, closed: boolean): number | string {
  if (head || (status >= 100 && status < 200) || status === 204 || status === 304) return start;
  const encoding = headers.get('transfer-encoding');
  const lengths = headers.get('content-length');
  if (encoding && lengths) return 'both transfer-encoding and content-length';
  if (encoding) return encoding.join(',').toLowerCase() === 'chunked' ? readChunks(bytes, start, closed) : `transfer-encoding ${encoding.join(',')}`;
  if (lengths) {
    if (lengths.length !== 1 || !/^\d{1,15}$/.test(lengths[0] ?? '')) return `content-length ${lengths.join(',')}`;
    const end = start + Number(lengths[0]);
    if (end > bytes.length) return closed ? 'body shorter than its content-length' : 'incomplete';
    return end;
  }
  return closed ? bytes.length : 'incomplete';
}

function readChunks(bytes: Buffer, start: number, closed: boolean): number | string {
  const cut = closed ? 'chunked body cut off' : 'incomplete';
  let at = start;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at, 'latin1');
    if (lineEnd === -1) return cut;
    const size = /^([0-9a-fA-F]{1,8})(;[^\r\n]*)?$/.exec(bytes.subarray(at, lineEnd).toString('latin1'));
    if (!size) return 'bad chunk size line';
    const length = parseInt(size[1] ?? '', 16);
    at = lineEnd + 2;
    if (length === 0) break;
    if (at + length + 2 > bytes.length) return cut;
    if (bytes.subarray(at + length, at + length + 2).toString('latin1') !== '\r\n') return 'chunk not followed by CRLF';
    at += length + 2;
  }
  // Trailers, then the empty line.
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at, 'latin1');
    if (lineEnd === -1) return cut;
    const empty = lineEnd === at;
    at = lineEnd + 2;
    if (empty) return at;
  }
}
