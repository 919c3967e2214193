/**
 * Searching a tenant's stored comments over REST (docs/api.md#searching-comments), for moderation:
 * `GET /api/v1/tenants/{tenantId}/comments?q=&author=&cursor=&limit=` answers the comments newest first, each with
 * its image and marker, filtered by text and/or author, a page at a time.
 */
import type { CommentCursor, Store } from '../store/types.js';
import { HttpError } from './http-error.js';
import { sendJson } from './router.js';
import type { ApiEndpoint } from './api-endpoints.js';
import { DEFAULT_COMMENTS_PAGE, MAX_COMMENTS_PAGE, MAX_SEARCH_TERM_LENGTH } from './api-limits.js';
import { decodeCursor, encodeCursor, pageLimit } from './api-cursor.js';

const isCommentCursor = (value: unknown): value is CommentCursor => {
  if (typeof value !== 'object' || value === null) return false;
  const cursor = value as Record<string, unknown>;
  return typeof cursor.createdAt === 'number' && Number.isFinite(cursor.createdAt)
    && typeof cursor.urlId === 'string' && typeof cursor.chatId === 'string' && typeof cursor.commentId === 'string';
};

/** A search term: absent or empty means no filter. */
function searchTerm(url: URL, name: 'q' | 'author'): string | null {
  const term = url.searchParams.get(name);
  if (term === null || term === '') return null;
  if ([...term].length > MAX_SEARCH_TERM_LENGTH) throw new HttpError('invalid-field', `"${name}" must be at most ${MAX_SEARCH_TERM_LENGTH} characters`);
  return term;
}

export function restCommentEndpoints(options: { store: Store }): ApiEndpoint[] {
  const { store } = options;
  return [{
    method: 'GET',
    path: '/api/v1/tenants/{tenantId}/comments',
    auth: 'tenant',
    handler: async ({ response, url, tenantId }) => {
      const text = searchTerm(url, 'q');
      const author = searchTerm(url, 'author');
      const limit = pageLimit(url, DEFAULT_COMMENTS_PAGE, MAX_COMMENTS_PAGE);
      const cursor = url.searchParams.get('cursor');
      const after = cursor === null || cursor === '' ? null : decodeCursor(cursor, isCommentCursor);
      const page = await store.searchComments(tenantId, { text, author, after, limit });
      sendJson(response, 200, { tenantId, comments: page.comments, nextCursor: page.next === null ? null : encodeCursor(page.next) });
    },
  }];
}
