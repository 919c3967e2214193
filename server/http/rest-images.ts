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
import { decodeCursor, encodeCursor, pageLimit } from './api-cursor.js';

/** An image cursor: the url id to continue after. */
const isImageCursor = (value: unknown): value is { after: string } =>
  typeof value === 'object' && value !== null && 'after' in value && typeof value.after === 'string';

export function restImageEndpoints(options: { store: Store; service: ChatService }): ApiEndpoint[] {
  const { store, service } = options;
  return [
    {
      method: 'GET',
      path: '/api/v1/tenants/{tenantId}/images',
      auth: 'tenant',
      handler: async ({ response, url, tenantId }) => {
        const cursor = url.searchParams.get('cursor');
        const limit = pageLimit(url, DEFAULT_IMAGES_PAGE, MAX_IMAGES_PAGE);
        const page = await store.listImages(tenantId, cursor === null || cursor === '' ? null : decodeCursor(cursor, isImageCursor).after, limit);
        sendJson(response, 200, { tenantId, images: page.images, nextCursor: page.next === null ? null : encodeCursor({ after: page.next }) });
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
