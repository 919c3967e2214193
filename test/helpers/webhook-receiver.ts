/**
 * A site's webhook endpoint for tests: a real HTTP server on a free local port that records every request it
 * gets and answers as the test says (a status, or no answer at all).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookBody } from '../../shared/index.js';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  raw: string;
  body: WebhookBody;
  at: number;
}

/** What to do with the n-th request (0-based): a status to answer, or 'hang' to never answer. */
export type Responder = (delivery: ReceivedDelivery, index: number) => number | 'hang';

export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  respond: Responder;
  /** Requests answered 'hang' whose connection the sender has not closed yet. */
  hangingNow(): number;
  /** Resolves once `predicate` holds for what was received, or rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedDelivery[]) => boolean, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(respond: Responder = () => 200, port = 0): Promise<WebhookReceiver> {
  const hanging = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    respond,
    hangingNow: () => hanging.size,
    waitFor: async (predicate, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver.received)) {
        if (Date.now() > deadline) throw new Error(`webhook receiver: condition not met in ${timeoutMs} ms; received ${receiver.received.map((d) => `${d.body.type}#${d.body.seq}`).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return receiver.received;
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery = { headers: request.headers, raw, body: JSON.parse(raw) as WebhookBody, at: Date.now() };
      const index = receiver.received.push(delivery) - 1;
      const answer = receiver.respond(delivery, index);
      if (answer === 'hang') {
        hanging.add(response);
        response.once('close', () => hanging.delete(response));
        return;
      }
      response.writeHead(answer, { 'content-type': 'text/plain' });
      response.end(answer >= 400 ? `status ${answer} from the receiver` : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/**
 * Checks a delivery's signature as a receiver would, independently of the server's code: HMAC-SHA256 over
 * `timestamp + "." + body` with the secret, against any of the header's comma-separated `sha256=` values.
 */
export function signatureValid(delivery: ReceivedDelivery, secret: string): boolean {
  const timestamp = String(delivery.headers['x-imagechat-timestamp']);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${delivery.raw}`).digest('hex')}`);
  return String(delivery.headers['x-imagechat-signature']).split(',').some((value) => {
    const given = Buffer.from(value.trim());
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
