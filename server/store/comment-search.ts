/**
 * The part of comment search (docs/api.md#searching-comments) both stores share: turning the rows a store found
 * (one more than the page, to tell whether there is a next) into a page and its cursor.
 */
import type { Comment } from '../../shared/index.js';
import type { CommentPage } from './types.js';

/** A comment row as both stores select it, its body already parsed. */
export interface CommentHitRow { url_id: string; chat_id: string; ordinal: number; created_at: number; body: Comment }

/** The first `limit` rows as a page; `next` is the last of them when the store found more. */
export function toCommentPage(rows: CommentHitRow[], limit: number): CommentPage {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    comments: page.map((row) => ({ urlId: row.url_id, chatId: row.chat_id, comment: row.body, opensThread: Number(row.ordinal) === 0 })),
    next: rows.length > limit && last ? { createdAt: Number(last.created_at), urlId: last.url_id, chatId: last.chat_id, commentId: last.body.id } : null,
  };
}
