#!/usr/bin/env node
/**
 * Signs one of your site's users in to image-chat (Secure SSO, FastComments-compatible), in Node with no
 * dependencies. Run it on your server, never in the browser: it needs the tenant's API secret.
 *
 *   IMAGE_CHAT_API_SECRET=ics_… node examples/sso/sign.mjs '{"id":"42","displayName":"Ann"}'
 *   node examples/sso/sign.mjs '{"id":"42","displayName":"Ann"}' ics_…
 *
 * prints the payload to give the widget's `sso` attribute or property (docs/sso.md).
 */
import { createHmac } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The three fields the widget passes on in `hello`: standard base64 of the user's UTF-8 JSON, the time in
 * milliseconds, and the hex HMAC-SHA256 of `String(timestamp) + userDataJSONBase64` keyed with the API secret.
 * @param {{ id: string | number, username?: string, displayName?: string, email?: string, avatar?: string, isAdmin?: boolean, isModerator?: boolean }} user
 * @param {string} apiSecret the tenant's API secret (`ics_…`)
 * @param {number} [now] milliseconds since the epoch; the payload is valid for 2 days from then
 * @returns {{ userDataJSONBase64: string, verificationHash: string, timestamp: number }}
 * @example
 * const sso = signSsoUser({ id: user.id, displayName: user.name, avatar: user.avatarUrl }, process.env.IMAGE_CHAT_API_SECRET);
 * response.json(sso); // the page sets it on <image-chat>: widget.sso = sso
 */
export function signSsoUser(user, apiSecret, now = Date.now()) {
  const userDataJSONBase64 = Buffer.from(JSON.stringify(user), 'utf8').toString('base64');
  const timestamp = Math.floor(now);
  const verificationHash = createHmac('sha256', apiSecret).update(String(timestamp) + userDataJSONBase64).digest('hex');
  return { userDataJSONBase64, verificationHash, timestamp };
}

const runDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (runDirectly) {
  const [userJson, secretArgument] = process.argv.slice(2);
  // From the environment by default: other users of the machine can read a process's arguments.
  const apiSecret = secretArgument ?? process.env.IMAGE_CHAT_API_SECRET;
  if (!userJson || !apiSecret) {
    process.stderr.write('usage: IMAGE_CHAT_API_SECRET=ics_… node sign.mjs \'{"id":"42","displayName":"Ann"}\' (or the secret as second argument)\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(signSsoUser(JSON.parse(userJson), apiSecret))}\n`);
}
