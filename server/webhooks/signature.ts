/**
 * How deliveries are signed (docs/webhooks.md#verifying): `X-ImageChat-Timestamp` is the time in whole seconds
 * and `X-ImageChat-Signature` is `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`, the scheme of
 * Stripe's and GitHub's webhooks. While a rotated secret's grace period lasts, the header carries one signature
 * per secret, comma-separated (new first), so receivers can switch secrets without missing a delivery.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-imagechat-signature';
export const TIMESTAMP_HEADER = 'x-imagechat-timestamp';

export const signatureOf = (secret: string, timestamp: number, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

/** The headers that sign `body` at `now` (ms) with each secret, current first. */
export function signatureHeaders(secrets: readonly string[], body: string, now: number): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: secrets.map((secret) => signatureOf(secret, timestamp, body)).join(',') };
}
