/**
 * One HTTP POST of a delivery, with the limits a service that calls strangers' URLs needs: a deadline for the
 * whole exchange, redirects never followed (a 3xx is an answer, not a hop), at most a few KiB of the response
 * read, and the address guard on every connection (address-guard.ts).
 */
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, isPrivateAddress, literalAddress, PrivateAddressError } from './address-guard.js';

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Bytes of the response body kept (for the dashboard's "last error"); the rest is not read. */
  maxResponseBytes: number;
}

/** An answer (any status), or no answer and why. */
export type SendOutcome = { status: number; body: string } | { status: null; error: string };

const USER_AGENT = 'image-chat-webhooks/1';

export function sendDelivery(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<SendOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ status: null, error: 'the endpoint URL is not valid' });
  }
  const literal = literalAddress(target.hostname);
  // A literal address skips `lookup`, so it is checked here.
  if (literal !== null && !options.allowPrivate && isPrivateAddress(literal)) {
    return Promise.resolve({ status: null, error: new PrivateAddressError(target.hostname, literal).message });
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.destroy();
      resolve(outcome);
    };
    const request = client.request(target, {
      method: 'POST',
      agent: false,
      lookup: guardedLookup(options.allowPrivate),
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': USER_AGENT },
    }, (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => finish({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      response.on('data', (chunk: Buffer) => {
        if (kept < options.maxResponseBytes) {
          chunks.push(chunk.subarray(0, options.maxResponseBytes - kept));
          kept += chunk.length;
        }
        // Enough read: the status is what counts, and a receiver must not hold the node with an endless body.
        if (kept >= options.maxResponseBytes) done();
      });
      response.on('end', done);
      response.on('error', done);
    });
    // The whole exchange, not each socket read: a receiver that trickles bytes cannot hold a delivery open.
    const deadline = setTimeout(() => finish({ status: null, error: `no answer within ${options.timeoutMs} ms` }), options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish({ status: null, error: error instanceof PrivateAddressError ? error.message : `${error.code ?? 'error'}: ${error.message}` }));
    request.end(body);
  });
}
