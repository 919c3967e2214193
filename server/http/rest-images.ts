/**
 * Reading a tenant's images over REST (docs/api.md):
 * - `GET /api/v1/tenants/{tenantId}/images?cursor=&limit=`: its written images in url id order, a page at a time;
 * - `GET /api/v1/tenants/{tenantId}/image?urlId=`: one image as a subscriber gets it (`seq`, `epoch`, `chats`).
 */
import { validateClientMessage } from '../../shared/index.js';
import type { ChatService } from '../core/service.js';
import type { Store } from '../store/types.js';
import { HttpError } from './http-error.js';
import { sendJson } from './router.js';
import type { ApiEndpoint } from './api-endpoints.js';
import { DEFAULT_IMAGES_PAGE, MAX_IMAGES_PAGE } from './api-limits.js';

/** The cursor is opaque to callers: the url id to continue after, so a caller cannot come to rely on its form. */
const encodeCursor = (after: string): string => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'after' in parsed && typeof parsed.after === 'string') return parsed.after;
  } catch {
    // Answered below, as any cursor this server did not make.
  }
  throw new HttpError('invalid-field', '"cursor" must be a cursor from an earlier answer\'s "nextCursor"');
}

function pageLimit(url: URL): number {
  const raw = url.searchParams.get('limit');
  const limit = raw === null ? DEFAULT_IMAGES_PAGE : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_IMAGES_PAGE) throw new HttpError('invalid-field', `"limit" must be a whole number from 1 to ${MAX_IMAGES_PAGE}`);
  return limit;
}

export function restImageEndpoints(options: { store: Store; service: ChatService }): ApiEndpoint[] {
  const { store, service } = options;
  return [
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/images',
      auth: 'tenant',
      handler: async ({ response, url, tenantId }) => {
        const cursor = url.searchParams.get('cursor');
        const limit = pageLimit(url);
        const page = await store.listImages(tenantId, cursor === null || cursor === '' ? null : decodeCursor(cursor), limit);
        sendJson(response, 200, { tenantId, images: page.images, nextCursor: page.next === null ? null : encodeCursor(page.next) });
      },
    },
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/image',
      auth: 'tenant',
      handler: async ({ response, url, tenantId }) => {
        // The url id is checked as a subscribe checks it.
        const checked = validateClientMessage({ type: 'subscribe', tenantId, urlId: url.searchParams.get('urlId') });
        if (!checked.ok) throw new HttpError(checked.code, checked.error);
        const key = { tenantId, urlId: url.searchParams.get('urlId') ?? '' };
        const read = await service.read(key);
        if (!read.reset) throw new Error('a read without since answered a replay');
        sendJson(response, 200, { tenantId, urlId: key.urlId, seq: read.seq, epoch: read.epoch, chats: read.chats });
      },
    },
  ];
}
