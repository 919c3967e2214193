/**
 * The OpenAPI 3.1 description of every `/api/v1/` endpoint, served at `/api/v1/openapi.json` (docs/api.md).
 * test/integration/openapi.test.ts holds it to the route table (api-endpoints.ts) in both directions.
 */
import { CHAT_EXPORT_FORMAT, CHAT_EXPORT_VERSION, ERROR_CODES, WRITE_TYPES } from '../../shared/index.js';
import { sendJson } from './router.js';
import type { ApiEndpoint } from './api-endpoints.js';
import { WEBHOOK_PARAMETERS, WEBHOOK_PATHS, WEBHOOK_SCHEMAS } from './openapi-webhooks.js';
import { DEFAULT_COMMENTS_PAGE, DEFAULT_IMAGES_PAGE, MAX_COMMENTS_PAGE, MAX_IMAGES_PAGE, MAX_IDEMPOTENCY_KEY_LENGTH, MAX_IMPORT_BYTES, MAX_SEARCH_TERM_LENGTH } from './api-limits.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const tenantParameter = { $ref: '#/components/parameters/tenantId' };
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
/** The refusals every tenant endpoint may answer. */
const tenantErrors = {
  400: errorResponse('A bad parameter or body (`invalid-field`, `bad-request`, `unknown-type`, …)'),
  401: errorResponse('No `Authorization: Bearer`, or a secret no tenant has (`unauthorized`)'),
  403: errorResponse('Another tenant\'s secret (`forbidden`)'),
};
const dateQuery = (name: 'from' | 'to', description: string) => ({ name, in: 'query', required: false, description, schema: { type: 'string', format: 'date' } });

const usageCounters = {
  pubSubMessageCount: { type: 'integer' }, pubSubBandwidth: { type: 'integer' },
  conversationCreateCount: { type: 'integer' }, peakConnections: { type: 'integer' },
};

const writeFields = {
  type: { enum: [...WRITE_TYPES] },
  urlId: { type: 'string', minLength: 1, maxLength: 2048, description: 'The image\'s id (the widget\'s default is the image\'s URL)' },
  broadcastId: { type: 'string', description: 'Echoed in the broadcast event; made by the server when not given. Without an `Idempotency-Key` header, a caller\'s broadcastId is the idempotency key.' },
  chatId: { type: 'string' }, commentId: { type: 'string' },
  x: { type: 'number', minimum: 0, maximum: 1 }, y: { type: 'number', minimum: 0, maximum: 1 },
  text: { type: 'string', maxLength: 4000 }, resolved: { type: 'boolean' },
  asUser: ref('AsUser'),
};

/** The document, built once. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'image-chat REST API',
    version: '1',
    description: 'A tenant\'s images, writes, usage, rules and webhooks, with the tenant\'s API secret. Server to server only: no CORS. See docs/api.md.',
  },
  security: [{ apiSecret: [] }],
  paths: {
    '/api/v1/openapi.json': {
      get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } } },
    },
    '/api/v1/tenants/{tenantId}/images': {
      get: {
        summary: 'The tenant\'s written images, in url id order, a page at a time',
        parameters: [tenantParameter,
          { name: 'cursor', in: 'query', required: false, description: 'The `nextCursor` of the previous page (opaque)', schema: { type: 'string' } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_IMAGES_PAGE, default: DEFAULT_IMAGES_PAGE } }],
        responses: {
          200: { description: 'A page', content: json({ type: 'object', required: ['tenantId', 'images', 'nextCursor'], properties: {
            tenantId: { type: 'string' }, images: { type: 'array', items: ref('ImageSummary') }, nextCursor: { type: ['string', 'null'] } } }) },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/comments': {
      get: {
        summary: 'The tenant\'s stored comments, newest first, by text and/or author, a page at a time (for moderation)',
        description: 'The text filter scans the tenant\'s comments: keep pages small and page on. Case folding is ASCII-only on SQLite.',
        parameters: [tenantParameter,
          { name: 'q', in: 'query', required: false, description: 'A case-insensitive substring of the comment\'s text', schema: { type: 'string', maxLength: MAX_SEARCH_TERM_LENGTH } },
          { name: 'author', in: 'query', required: false, description: 'An author\'s exact id, or a case-insensitive substring of their name', schema: { type: 'string', maxLength: MAX_SEARCH_TERM_LENGTH } },
          { name: 'cursor', in: 'query', required: false, description: 'The `nextCursor` of the previous page (opaque)', schema: { type: 'string' } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_COMMENTS_PAGE, default: DEFAULT_COMMENTS_PAGE } }],
        responses: {
          200: { description: 'A page', content: json({ type: 'object', required: ['tenantId', 'comments', 'nextCursor'], properties: {
            tenantId: { type: 'string' }, comments: { type: 'array', items: ref('CommentHit') }, nextCursor: { type: ['string', 'null'] } } }) },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/image': {
      get: {
        summary: 'One image\'s chats: the snapshot a subscriber gets',
        parameters: [tenantParameter, { name: 'urlId', in: 'query', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'The snapshot (seq 0 and no chats for an image never written)', content: json({ type: 'object', required: ['tenantId', 'urlId', 'seq', 'epoch', 'chats'], properties: {
            tenantId: { type: 'string' }, urlId: { type: 'string' }, seq: { type: 'integer' }, epoch: { type: 'string' }, chats: { type: 'array', items: ref('Chat') } } }) },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/export': {
      get: {
        summary: 'One image\'s or the whole tenant\'s conversations, as W3C Web Annotation JSON-LD or as plain JSON (which import takes)',
        parameters: [tenantParameter,
          { name: 'urlId', in: 'query', required: false, description: 'One image; without it, every image of the tenant that has markers', schema: { type: 'string' } },
          { name: 'format', in: 'query', required: false, schema: { enum: ['jsonld', 'json'], default: 'jsonld' } }],
        responses: {
          200: { description: 'The export', content: {
            'application/ld+json': { schema: { type: 'object', required: ['@context', '@graph'], description: 'Web Annotations: a marker is motivation `commenting` with a FragmentSelector `xywh=percent:X,Y,0,0`; each further comment `replying`, targeting the marker\'s annotation. See docs/api.md' } },
            ...json(ref('ChatExport')) } },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/import': {
      post: {
        summary: 'Stores a plain export\'s chats into the tenant, keeping their ids, authors, times and resolved state; chats already there are left as they are',
        parameters: [tenantParameter],
        requestBody: { required: true, description: `A plain export (\`format=json\`), at most ${MAX_IMPORT_BYTES} bytes`, content: json(ref('ChatExport')) },
        responses: {
          200: { description: 'What was stored', content: json({ type: 'object', required: ['tenantId', 'imported', 'present', 'refused'], properties: {
            tenantId: { type: 'string' }, imported: { type: 'integer', description: 'Chats stored (each published as `new-image-chat`)' },
            present: { type: 'integer', description: 'Chats the image already had (left as they are)' },
            refused: { type: 'array', description: 'Chats past a limit', items: { type: 'object', properties: {
              urlId: { type: 'string' }, chatId: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } } } }) },
          ...tenantErrors,
          413: errorResponse('The body is too large (`too-large`)'),
        },
      },
    },
    '/api/v1/tenants/{tenantId}/writes': {
      post: {
        summary: 'One write, as the tenant\'s admin or on behalf of an SSO user; broadcast live like a widget write',
        parameters: [tenantParameter, {
          name: 'Idempotency-Key', in: 'header', required: false,
          description: 'A repeat with the same key answers the first answer and writes nothing (kept 24 h)',
          schema: { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY_LENGTH },
        }],
        requestBody: { required: true, content: json(ref('Write')) },
        responses: {
          200: { description: 'Stored and broadcast', headers: { 'Idempotent-Replayed': { description: '`true` on a repeat answered from the first request', schema: { type: 'string' } } },
            content: json(ref('WriteAnswer')) },
          ...tenantErrors,
          403: errorResponse('Another tenant\'s secret, or the tenant\'s rules refuse the write (`forbidden`)'),
          404: errorResponse('The chat or comment does not exist (`not-found`)'),
          409: errorResponse('An id in use, a count limit (`conflict`, `limit-reached`), or a repeat of a request still in flight (`conflict`)'),
          413: errorResponse('A text or the body too long (`too-large`)'),
          429: { description: 'The tenant\'s write budget on this server is spent (`rate-limited`)', headers: { 'Retry-After': { description: 'Seconds', schema: { type: 'integer' } } },
            content: json(ref('Error')) },
        },
      },
    },
    '/api/v1/tenants/{tenantId}/usage': {
      get: {
        summary: 'Usage counters per UTC day, with totals',
        parameters: [tenantParameter, dateQuery('from', 'Default: 29 days before `to`'), dateQuery('to', 'Default: today (UTC)')],
        responses: {
          200: { description: 'Every day of the range', content: json({ type: 'object', properties: {
            tenantId: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
            days: { type: 'array', items: { type: 'object', properties: { day: { type: 'string' }, ...usageCounters } } },
            totals: { type: 'object', properties: usageCounters } } }) },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/live': {
      get: {
        summary: 'Live connections and watched images over all nodes',
        parameters: [tenantParameter],
        responses: {
          200: { description: 'Now', content: json({ type: 'object', properties: {
            tenantId: { type: 'string' }, connections: { type: 'integer' }, watchedImages: { type: 'integer' }, nodes: { type: 'integer' },
            images: { type: 'array', description: 'Images viewed now, most people first (presence, merged over the nodes)',
              items: { type: 'object', properties: { urlId: { type: 'string' }, viewers: { type: 'integer' } } } },
            at: { type: 'string', format: 'date-time' } } }) },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/top-images': {
      get: {
        summary: 'Images by events delivered over the range',
        parameters: [tenantParameter, dateQuery('from', 'Default: 29 days before `to`'), dateQuery('to', 'Default: today (UTC)'),
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 10 } }],
        responses: {
          200: { description: 'Most first', content: json({ type: 'object', properties: {
            tenantId: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
            images: { type: 'array', items: { type: 'object', properties: { urlId: { type: 'string' }, pubSubMessageCount: { type: 'integer' }, pubSubBandwidth: { type: 'integer' } } } } } }) },
          ...tenantErrors,
        },
      },
    },
    '/api/v1/tenants/{tenantId}/rules': {
      get: {
        summary: 'The tenant\'s rules',
        parameters: [tenantParameter],
        responses: { 200: { description: 'The rules', content: json(ref('RulesAnswer')) }, ...tenantErrors },
      },
      put: {
        summary: 'Changes the rules given; the others stay. Every node applies it at once',
        parameters: [tenantParameter],
        requestBody: { required: true, content: json({ ...ref('Rules'), description: 'Any subset of the rules' }) },
        responses: { 200: { description: 'All the rules after the change', content: json(ref('RulesAnswer')) }, ...tenantErrors },
      },
    },
    ...WEBHOOK_PATHS,
  },
  components: {
    securitySchemes: { apiSecret: { type: 'http', scheme: 'bearer', description: 'The tenant\'s API secret (`ics_…`)' } },
    parameters: { tenantId: { name: 'tenantId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }, ...WEBHOOK_PARAMETERS },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: {
        code: { enum: Object.keys(ERROR_CODES) }, message: { type: 'string' } } } } },
      ImageSummary: { type: 'object', required: ['urlId', 'chatCount', 'lastActivity', 'seq'], properties: {
        urlId: { type: 'string' }, chatCount: { type: 'integer', description: 'Markers on the image' },
        lastActivity: { type: 'integer', description: 'Milliseconds since the epoch of the image\'s last stored write' }, seq: { type: 'integer' } } },
      Author: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string' }, name: { type: 'string' }, avatar: { type: 'string' } } },
      Comment: { type: 'object', required: ['id', 'author', 'text', 'createdAt', 'editedAt'], properties: {
        id: { type: 'string' }, author: ref('Author'), text: { type: 'string' }, createdAt: { type: 'integer' }, editedAt: { type: ['integer', 'null'] } } },
      CommentHit: { type: 'object', required: ['urlId', 'chatId', 'comment', 'opensThread'], properties: {
        urlId: { type: 'string' }, chatId: { type: 'string' }, comment: ref('Comment'),
        opensThread: { type: 'boolean', description: 'The marker\'s first comment: deleting it means deleting the marker (`delete-chat`) with its thread' } } },
      Chat: { type: 'object', required: ['id', 'x', 'y', 'author', 'createdAt', 'resolved', 'comments'], properties: {
        id: { type: 'string' }, x: { type: 'number' }, y: { type: 'number' }, author: ref('Author'), createdAt: { type: 'integer' },
        resolved: { type: 'boolean' }, comments: { type: 'array', items: ref('Comment') } } },
      ChatExport: { type: 'object', required: ['format', 'version', 'tenantId', 'exportedAt', 'images'], properties: {
        format: { const: CHAT_EXPORT_FORMAT }, version: { const: CHAT_EXPORT_VERSION }, tenantId: { type: 'string', description: 'The tenant it was exported from' },
        exportedAt: { type: 'string', format: 'date-time' },
        images: { type: 'array', items: { type: 'object', required: ['urlId', 'chats'], properties: { urlId: { type: 'string' }, chats: { type: 'array', items: ref('Chat') } } } } } },
      AsUser: { type: 'object', required: ['id'], description: 'Write on behalf of this SSO user (author id `sso:<id>`, not a moderator)', properties: {
        id: { type: ['string', 'integer'] }, name: { type: 'string', maxLength: 64 }, avatar: { type: 'string' } } },
      Write: {
        type: 'object', required: ['type', 'urlId'], properties: writeFields,
        description: 'A write of the wire protocol without `tenantId`. Fields by type: create-chat {x, y, text, chatId?, commentId?}; add-comment {chatId, text, commentId?}; edit-comment {chatId, commentId, text}; delete-comment {chatId, commentId}; move-chat {chatId, x, y}; resolve-chat {chatId, resolved}; delete-chat {chatId}.',
      },
      WriteAnswer: { type: 'object', required: ['broadcastId', 'seq', 'chatId'], properties: {
        broadcastId: { type: 'string' }, seq: { type: 'integer', description: 'The image\'s seq of the stored event' }, chatId: { type: 'string' },
        commentId: { type: 'string', description: 'The comment made, edited or deleted' } } },
      Rules: { type: 'object', properties: {
        write: { enum: ['anyone', 'sso-only', 'nobody'] }, resolve: { enum: ['anyone', 'authors-and-moderators'] },
        presence: { type: 'boolean' }, presenceNames: { type: 'boolean' }, simpleSso: { type: 'boolean' }, loginUrl: { type: ['string', 'null'] } } },
      RulesAnswer: { type: 'object', properties: { tenantId: { type: 'string' }, rules: ref('Rules') } },
      ...WEBHOOK_SCHEMAS,
    },
  },
} as const;

export function openApiEndpoints(): ApiEndpoint[] {
  return [{
    method: 'GET',
    path: '/api/v1/openapi.json',
    auth: 'public',
    handler: ({ response }) => {
      // A description holds no secret: tools on other origins (an API explorer) may read it.
      response.setHeader('access-control-allow-origin', '*');
      sendJson(response, 200, OPENAPI_DOCUMENT);
    },
  }];
}
