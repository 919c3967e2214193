/**
 * Content negotiation for the static files: which encoding a request accepts best (brotli, gzip, or none), and
 * compressing a file's bytes into it. Files are compressed once per version and kept beside the plain bytes
 * (static-files.ts), so brotli runs at its best quality without costing a request anything after the first.
 */
import { brotliCompress, constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';

/** The encodings the server sends, best first (brotli is about 15 % smaller than gzip on the widget bundle). */
export const ENCODINGS = ['br', 'gzip'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Below this, the headers and a compressor's framing cost about what compression saves. */
export const MIN_COMPRESS_BYTES = 1024;

/** Types worth compressing: text. Images here are SVG (text) or already compressed (PNG, JPEG, WebP). */
export function isCompressible(contentType: string): boolean {
  return /^(text\/|application\/json|application\/javascript|image\/svg\+xml)/.test(contentType);
}

/**
 * The best encoding `accept` (an `Accept-Encoding` header) allows, or null for the plain bytes. A coding with
 * `q=0` is refused; `*` stands for every coding not named.
 * @example preferredEncoding('gzip, deflate, br') // 'br'
 * @example preferredEncoding('gzip;q=1, br;q=0') // 'gzip'
 */
export function preferredEncoding(accept: string | undefined): Encoding | null {
  if (!accept) return null;
  const weights = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  let best: Encoding | null = null;
  let bestWeight = 0;
  for (const encoding of ENCODINGS) {
    const weight = weights.get(encoding) ?? weights.get('*') ?? 0;
    if (weight > bestWeight) {
      best = encoding;
      bestWeight = weight;
    }
  }
  return best;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** `body` in `encoding`, at the best quality (it is done once per file version, on the thread pool). */
export function compress(body: Buffer, encoding: Encoding): Promise<Buffer> {
  if (encoding === 'br') {
    return brotli(body, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  }
  return gzipAsync(body, { level: constants.Z_BEST_COMPRESSION });
}
