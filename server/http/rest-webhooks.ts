/**
 * A tenant's webhooks over REST (docs/webhooks.md#managing-endpoints), authorized by its API secret:
 * - `GET|POST /api/v1/tenants/{tenantId}/webhooks`: list; register (answers the signing secret, once);
 * - `GET|PATCH|DELETE …/webhooks/{webhookId}`: read; change url, events, description, or turn on/off; remove;
 * - `POST …/webhooks/{webhookId}/rotate-secret`: a new secret (`{"revokePrevious": true}` ends the old at once);
 * - `GET …/webhooks/{webhookId}/deliveries`: recent deliveries, newest first, a page at a time;
 * - `POST …/webhooks/{webhookId}/deliveries/{deliveryId}/resend`: send one again, now.
 */
import type { ServerResponse } from 'node:http';
import { HttpError } from './http-error.js';
import { sendJson } from './router.js';
import { readJsonBody } from './json-body.js';
import type { ApiCall, ApiEndpoint } from './api-endpoints.js';
import { decodeCursor, encodeCursor, pageLimit } from './api-cursor.js';
import { EndpointInputError, parseEndpointInput } from '../webhooks/endpoint-input.js';
import { EndpointLimitError, type WebhookEndpoints } from '../webhooks/endpoints.js';

const BASE = '/api/v1/tenants/{tenantId}/webhooks';
const ONE = `${BASE}/{webhookId}`;
const DEFAULT_DELIVERIES_PAGE = 25;
const MAX_DELIVERIES_PAGE = 100;

const isDeliveryCursor = (value: unknown): value is { before: string } =>
  typeof value === 'object' && value !== null && typeof (value as { before?: unknown }).before === 'string' && /^\d{1,15}$/.test((value as { before: string }).before);

/** The endpoint's input, with the checks' refusals as `invalid-field` and the cap as `limit-reached`. */
async function answering<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EndpointInputError) throw new HttpError('invalid-field', error.message);
    if (error instanceof EndpointLimitError) throw new HttpError('limit-reached', error.message);
    throw error;
  }
}

const missing = ({ tenantId, params }: ApiCall): HttpError => new HttpError('not-found', `tenant "${tenantId}" has no webhook "${params.webhookId}"`);

function noContent(response: ServerResponse): void {
  response.writeHead(204, { 'cache-control': 'no-store' });
  response.end();
}

/** A body that may be left out (rotate-secret): `{}` without one. */
async function optionalBody(call: ApiCall): Promise<unknown> {
  const length = call.request.headers['content-length'];
  if ((length === undefined || length === '0') && call.request.headers['transfer-encoding'] === undefined) return {};
  return readJsonBody(call.request);
}

export function restWebhookEndpoints(options: { endpoints: WebhookEndpoints }): ApiEndpoint[] {
  const { endpoints } = options;
  return [
    {
      method: 'GET', path: BASE, auth: 'tenant',
      handler: async ({ response, tenantId }) => sendJson(response, 200, { webhooks: await endpoints.list(tenantId) }),
    },
    {
      method: 'POST', path: BASE, auth: 'tenant',
      handler: async ({ request, response, tenantId }) => {
        const input = await answering(async () => parseEndpointInput(await readJsonBody(request), true));
        const made = await answering(() => endpoints.register(tenantId, input));
        if (!made) throw new HttpError('not-found', `no tenant "${tenantId}"`);
        sendJson(response, 201, { webhook: made.endpoint, secret: made.secret });
      },
    },
    {
      method: 'GET', path: ONE, auth: 'tenant',
      handler: async (call) => {
        const webhook = await endpoints.get(call.tenantId, call.params.webhookId!);
        if (!webhook) throw missing(call);
        sendJson(call.response, 200, { webhook });
      },
    },
    {
      method: 'PATCH', path: ONE, auth: 'tenant',
      handler: async (call) => {
        const input = await answering(async () => parseEndpointInput(await readJsonBody(call.request), false));
        const webhook = await answering(() => endpoints.change(call.tenantId, call.params.webhookId!, input));
        if (!webhook) throw missing(call);
        sendJson(call.response, 200, { webhook });
      },
    },
    {
      method: 'DELETE', path: ONE, auth: 'tenant',
      handler: async (call) => {
        if (!(await endpoints.remove(call.tenantId, call.params.webhookId!))) throw missing(call);
        noContent(call.response);
      },
    },
    {
      method: 'POST', path: `${ONE}/rotate-secret`, auth: 'tenant',
      handler: async (call) => {
        const body = await optionalBody(call);
        // A mistyped field must not pass as "keep the old secret": a revocation that silently did not happen.
        const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : null;
        const revoke = fields ? (body as { revokePrevious?: unknown }).revokePrevious ?? false : null;
        if (!fields || fields.some((field) => field !== 'revokePrevious') || typeof revoke !== 'boolean') {
          throw new HttpError('invalid-field', 'the body may hold "revokePrevious": true or false, nothing else');
        }
        const rotated = await endpoints.rotate(call.tenantId, call.params.webhookId!, revoke);
        if (!rotated) throw missing(call);
        sendJson(call.response, 200, rotated);
      },
    },
    {
      method: 'GET', path: `${ONE}/deliveries`, auth: 'tenant',
      handler: async (call) => {
        const limit = pageLimit(call.url, DEFAULT_DELIVERIES_PAGE, MAX_DELIVERIES_PAGE);
        const cursor = call.url.searchParams.get('cursor');
        const before = cursor === null || cursor === '' ? null : decodeCursor(cursor, isDeliveryCursor).before;
        const page = await endpoints.deliveries(call.tenantId, call.params.webhookId!, before, limit);
        if (!page) throw missing(call);
        sendJson(call.response, 200, { deliveries: page.deliveries, nextCursor: page.next === null ? null : encodeCursor({ before: page.next }) });
      },
    },
    {
      method: 'POST', path: `${ONE}/deliveries/{deliveryId}/resend`, auth: 'tenant',
      handler: async (call) => {
        const { webhookId, deliveryId } = call.params as { webhookId: string; deliveryId: string };
        if (!/^\d{1,15}$/.test(deliveryId)) throw new HttpError('not-found', `webhook "${webhookId}" has no delivery "${deliveryId}"`);
        if (!(await endpoints.resend(call.tenantId, webhookId, deliveryId))) {
          throw new HttpError('not-found', `webhook "${webhookId}" has no delivery "${deliveryId}" that can be resent now (one being sent is resent once its attempt ends)`);
        }
        sendJson(call.response, 202, { resent: true });
      },
    },
  ];
}
