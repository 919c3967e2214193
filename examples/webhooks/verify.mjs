// Verifying image-chat webhook deliveries in Node (docs/webhooks.md#verifying). No dependencies.
//
//   node examples/webhooks/verify.mjs            # a receiver on :3000 that checks every delivery
//   WEBHOOK_SECRET=whsec_… PORT=3000 node examples/webhooks/verify.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const TOLERANCE_SECONDS = 5 * 60;

/**
 * True when `signatureHeader` holds a valid signature of `rawBody` at `timestampHeader` by one of `secrets`, and
 * the timestamp is within five minutes of now. Check the raw bytes, before any JSON parsing.
 * @param {string[]} secrets the current signing secret, and the previous one while you switch
 */
export function verifyDelivery(rawBody, timestampHeader, signatureHeader, secrets, now = Date.now()) {
  const timestamp = Number(timestampHeader);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > TOLERANCE_SECONDS) return false;
  const given = String(signatureHeader ?? '').split(',').map((value) => Buffer.from(value.trim()));
  return secrets.some((secret) => {
    const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
    return given.some((value) => value.length === expected.length && timingSafeEqual(value, expected));
  });
}

/** A receiver: verifies, deduplicates by event id, answers 2xx fast (do slow work after answering). */
export function startReceiver({ port = 3000, secrets, onEvent }) {
  const seen = new Set();
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (!verifyDelivery(raw, request.headers['x-imagechat-timestamp'], request.headers['x-imagechat-signature'], secrets)) {
        response.writeHead(401).end('bad signature');
        return;
      }
      const event = JSON.parse(raw);
      response.writeHead(204).end();
      // At least once: the same event may come again (same id); act on it once.
      if (seen.has(event.id)) return;
      seen.add(event.id);
      onEvent(event);
    });
  });
  server.listen(port);
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const secrets = (process.env.WEBHOOK_SECRET ?? '').split(',').filter(Boolean);
  if (secrets.length === 0) throw new Error('set WEBHOOK_SECRET to the endpoint\'s signing secret (whsec_…)');
  startReceiver({ port: Number(process.env.PORT ?? 3000), secrets, onEvent: (event) => console.log(event.type, event.urlId, event.seq, event.data) });
}
