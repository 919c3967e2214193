/**
 * Checking what a tenant sends to register or change a webhook endpoint (REST, CLI, dashboard alike): an
 * http(s) URL without credentials, whose host is not a private address unless the operator allows those;
 * event types from the list (or `*`); a short description. Each refusal says what to fix.
 */
import { lookup } from 'node:dns/promises';
import { cleanText, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../shared/index.js';
import { isPrivateAddress, literalAddress } from './address-guard.js';

export const MAX_URL_LENGTH = 2000;
export const MAX_DESCRIPTION_LENGTH = 200;

export class EndpointInputError extends Error {}

export interface EndpointInput {
  url?: string;
  events?: (WebhookEventType | '*')[];
  description?: string;
  enabled?: boolean;
}

const KNOWN = new Set<string>([...WEBHOOK_EVENT_TYPES, '*']);

/** The fields of a JSON body; `creating` requires the URL. Unknown fields are refused, so a typo is not ignored. */
export function parseEndpointInput(body: unknown, creating: boolean): EndpointInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new EndpointInputError('the body must be a JSON object');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !['url', 'events', 'description', 'enabled'].includes(key));
  if (unknown.length > 0) throw new EndpointInputError(`unknown field "${unknown[0]}": use url, events, description, enabled`);
  const input: EndpointInput = {};
  if (fields.url !== undefined || creating) {
    if (typeof fields.url !== 'string') throw new EndpointInputError('"url" must be the endpoint\'s http(s) URL');
    input.url = fields.url;
  }
  if (fields.events !== undefined) {
    const events = fields.events;
    if (!Array.isArray(events) || events.length === 0 || events.some((type) => typeof type !== 'string' || !KNOWN.has(type))) {
      throw new EndpointInputError(`"events" must be a non-empty list of: *, ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    }
    input.events = events.includes('*') ? ['*'] : [...new Set(events as WebhookEventType[])];
  }
  if (fields.description !== undefined) {
    if (typeof fields.description !== 'string' || [...fields.description].length > MAX_DESCRIPTION_LENGTH) {
      throw new EndpointInputError(`"description" must be text of at most ${MAX_DESCRIPTION_LENGTH} characters`);
    }
    input.description = cleanText(fields.description);
  }
  if (fields.enabled !== undefined) {
    if (typeof fields.enabled !== 'boolean') throw new EndpointInputError('"enabled" must be true or false');
    input.enabled = fields.enabled;
  }
  return input;
}

/**
 * The URL, normalized, once it passes: the same rules as at delivery, checked early so the tenant hears of a
 * mistake now rather than from failed deliveries. A name that does not resolve is refused too.
 */
export async function checkEndpointUrl(raw: string, allowPrivate: boolean): Promise<string> {
  if (raw.length > MAX_URL_LENGTH) throw new EndpointInputError(`"url" must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EndpointInputError('"url" is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EndpointInputError('"url" must be http: or https:');
  if (url.username !== '' || url.password !== '') throw new EndpointInputError('"url" must not hold a user name or password; deliveries are signed instead');
  if (url.hash !== '') throw new EndpointInputError('"url" must not have a #fragment');
  if (allowPrivate) return url.href;
  const literal = literalAddress(url.hostname);
  const addresses = literal !== null ? [literal] : await resolve(url.hostname);
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    throw new EndpointInputError(`"url" reaches ${refused}, a loopback, private or special-use address, which the operator does not allow`);
  }
  return url.href;
}

async function resolve(hostname: string): Promise<string[]> {
  try {
    return (await lookup(hostname, { all: true })).map((entry) => entry.address);
  } catch {
    throw new EndpointInputError(`"url": the host ${hostname} does not resolve`);
  }
}
