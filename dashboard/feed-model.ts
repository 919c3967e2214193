/** Turns `tenant-event`s into moderation feed items, and image ids into links (pure and DOM-free, so easy to test). */
import type { ImageEvent } from '../shared/index.js';

/** One entry of the moderation feed: a new marker or comment on any of the tenant's images. */
export interface FeedItem {
  /** `urlId chatId` for a marker, `urlId chatId commentId` for a comment (unique within the tenant). */
  key: string;
  kind: 'marker' | 'comment';
  urlId: string;
  chatId: string;
  commentId?: string;
  /** For a marker: its first comment, whose edits change the marker's text. */
  firstCommentId?: string;
  author: string;
  text: string;
  at: number;
  /** Removed (by anyone, this dashboard included). */
  deleted: boolean;
  /** A delete from this dashboard is on its way. */
  deleting: boolean;
  /** Why the last delete failed. */
  error?: string;
}

/** Entries kept; older ones drop off the end. */
export const FEED_LENGTH = 100;

const prepend = (items: FeedItem[], item: FeedItem): FeedItem[] => [item, ...items.filter((i) => i.key !== item.key)].slice(0, FEED_LENGTH);

/** The feed after `event`: new markers and comments come first; edits change their text; deletions mark them. */
export function applyFeedEvent(items: FeedItem[], event: ImageEvent): FeedItem[] {
  const base = { urlId: event.urlId, chatId: event.chatId, deleted: false, deleting: false };
  const sameChat = (item: FeedItem) => item.chatId === event.chatId && item.urlId === event.urlId;
  switch (event.type) {
    case 'new-image-chat': {
      const first = event.chat.comments[0];
      return prepend(items, {
        ...base, key: `${event.urlId} ${event.chatId}`, kind: 'marker', firstCommentId: first?.id,
        author: event.chat.author.name, text: first?.text ?? '', at: event.chat.createdAt,
      });
    }
    case 'image-chat-updated': {
      const { comment } = event;
      if (event.change === 'comment-added' && comment) {
        return prepend(items, {
          ...base, key: `${event.urlId} ${event.chatId} ${comment.id}`, kind: 'comment', commentId: comment.id,
          author: comment.author.name, text: comment.text, at: comment.createdAt,
        });
      }
      if (event.change === 'comment-edited' && comment) {
        return items.map((i) => (sameChat(i) && (i.commentId ?? i.firstCommentId) === comment.id ? { ...i, text: comment.text } : i));
      }
      if (event.change === 'comment-deleted') {
        return items.map((i) => (sameChat(i) && i.commentId === event.commentId ? { ...i, deleted: true, deleting: false } : i));
      }
      return items;
    }
    case 'deleted-image-chat':
      return items.map((i) => (sameChat(i) ? { ...i, deleted: true, deleting: false } : i));
  }
}

/**
 * Where an image can be seen: its id when it is an http(s) URL or a path on this server (the widget's default id
 * is the image's URL), the demo page for the demo tenant. Image ids come from readers, so nothing else (no
 * `javascript:`, no protocol-relative `//host`) becomes a link.
 */
export function imageLink(tenantId: string, urlId: string): string | null {
  if (/^https?:\/\/[^/]/i.test(urlId) || /^\/(?![/\\])/.test(urlId)) return urlId;
  if (tenantId === 'demo') return `/demo#${encodeURIComponent(urlId)}`;
  return null;
}

/**
 * Where the dashboard can load an image from: a same-origin path as is; the demo's own image; otherwise null (the
 * dashboard's CSP loads images from its own origin and data: URLs only, so other hosts' images are not shown).
 */
export function imageSource(tenantId: string, urlId: string): string | null {
  if (/^\/(?![/\\])/.test(urlId)) return urlId;
  if (tenantId === 'demo' && urlId === 'demo-floor-plan') return '/demo/floor-plan.svg';
  return null;
}
