/** The webhook endpoints' part of the OpenAPI document (openapi.ts; docs/webhooks.md). */
import { WEBHOOK_EVENT_TYPES } from '../../shared/index.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const parameters = (...names: ('tenantId' | 'webhookId' | 'deliveryId')[]) => names.map((name) => ({ $ref: `#/components/parameters/${name}` }));
const errors = {
  400: errorResponse('A bad body: an unknown field, a URL that is not http(s), reaches a private address or does not resolve (`invalid-field`, `bad-request`)'),
  401: errorResponse('No `Authorization: Bearer`, or a secret no tenant has (`unauthorized`)'),
  403: errorResponse('Another tenant\'s secret (`forbidden`)'),
  404: errorResponse('No such webhook (or delivery) of the tenant (`not-found`)'),
};
const webhookAnswer = { description: 'The endpoint', content: json({ type: 'object', required: ['webhook'], properties: { webhook: ref('Webhook') } }) };

export const WEBHOOK_PATHS = {
  '/api/v1/tenants/{tenantId}/webhooks': {
    get: {
      summary: 'The tenant\'s webhook endpoints',
      parameters: parameters('tenantId'),
      responses: { 200: { description: 'Every endpoint', content: json({ type: 'object', properties: { webhooks: { type: 'array', items: ref('Webhook') } } }) }, ...errors },
    },
    post: {
      summary: 'Registers an endpoint; the answer holds its signing secret, shown this once',
      parameters: parameters('tenantId'),
      requestBody: { required: true, content: json(ref('WebhookInput')) },
      responses: {
        201: { description: 'Registered', content: json({ type: 'object', required: ['webhook', 'secret'], properties: { webhook: ref('Webhook'), secret: { type: 'string', description: '`whsec_…`: verify signatures with it' } } }) },
        409: errorResponse('The tenant has as many endpoints as allowed (`limit-reached`)'),
        ...errors,
      },
    },
  },
  '/api/v1/tenants/{tenantId}/webhooks/{webhookId}': {
    get: { summary: 'One endpoint', parameters: parameters('tenantId', 'webhookId'), responses: { 200: webhookAnswer, ...errors } },
    patch: {
      summary: 'Changes the fields given; `enabled: true` turns an endpoint on again (also one the server turned off) and resumes its pending deliveries',
      parameters: parameters('tenantId', 'webhookId'),
      requestBody: { required: true, content: json(ref('WebhookInput')) },
      responses: { 200: webhookAnswer, ...errors },
    },
    delete: { summary: 'Removes the endpoint and its deliveries, pending ones included', parameters: parameters('tenantId', 'webhookId'), responses: { 204: { description: 'Removed' }, ...errors } },
  },
  '/api/v1/tenants/{tenantId}/webhooks/{webhookId}/rotate-secret': {
    post: {
      summary: 'A new signing secret; the previous one keeps signing too for 24 hours unless revoked',
      parameters: parameters('tenantId', 'webhookId'),
      requestBody: { required: false, content: json({ type: 'object', properties: { revokePrevious: { type: 'boolean', default: false } } }) },
      responses: {
        200: { description: 'The new secret, shown this once', content: json({ type: 'object', required: ['secret', 'previousValidUntil'], properties: {
          secret: { type: 'string' }, previousValidUntil: { type: ['integer', 'null'], description: 'Until when (ms) deliveries also carry the old secret\'s signature' } } }) },
        ...errors,
      },
    },
  },
  '/api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries': {
    get: {
      summary: 'The endpoint\'s deliveries, newest first (kept 7 days after they end)',
      parameters: [...parameters('tenantId', 'webhookId'),
        { name: 'cursor', in: 'query', required: false, schema: { type: 'string' }, description: 'An earlier answer\'s `nextCursor`' },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 25 } }],
      responses: { 200: { description: 'A page', content: json({ type: 'object', properties: {
        deliveries: { type: 'array', items: ref('WebhookDelivery') }, nextCursor: { type: ['string', 'null'] } } }) }, ...errors },
    },
  },
  '/api/v1/tenants/{tenantId}/webhooks/{webhookId}/deliveries/{deliveryId}/resend': {
    post: {
      summary: 'Sends a delivery again now, its attempts counted from zero (not one being sent this moment)',
      parameters: parameters('tenantId', 'webhookId', 'deliveryId'),
      responses: { 202: { description: 'Due now', content: json({ type: 'object', properties: { resent: { const: true } } }) }, ...errors },
    },
  },
} as const;

const eventTypes = { type: 'array', minItems: 1, items: { enum: ['*', ...WEBHOOK_EVENT_TYPES] }, description: '`*` for every type, those added later included' };

export const WEBHOOK_PARAMETERS = {
  webhookId: { name: 'webhookId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
  deliveryId: { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string', pattern: '^[0-9]{1,15}$' } },
} as const;

export const WEBHOOK_SCHEMAS = {
  WebhookInput: { type: 'object', additionalProperties: false, properties: {
    url: { type: 'string', format: 'uri', maxLength: 2000, description: 'http(s); required to register' },
    events: { ...eventTypes, default: ['*'] }, description: { type: 'string', maxLength: 200 }, enabled: { type: 'boolean', default: true } } },
  Webhook: { type: 'object', required: ['id', 'url', 'description', 'events', 'enabled', 'disabledReason', 'createdAt'], properties: {
    id: { type: 'string' }, url: { type: 'string' }, description: { type: 'string' }, events: eventTypes, enabled: { type: 'boolean' },
    disabledReason: { type: ['string', 'null'], description: 'Why it is off: by the tenant, or by the server after a delivery kept failing for about a day' },
    createdAt: { type: 'integer' } } },
  WebhookDelivery: { type: 'object', properties: {
    id: { type: 'string' }, eventId: { type: 'string' }, type: { enum: [...WEBHOOK_EVENT_TYPES] }, urlId: { type: 'string' }, seq: { type: 'integer' },
    state: { enum: ['pending', 'delivered', 'failed'] }, attempts: { type: 'integer' }, lastStatus: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] }, nextAttemptAt: { type: ['integer', 'null'] }, createdAt: { type: 'integer' }, finishedAt: { type: ['integer', 'null'] } } },
} as const;
