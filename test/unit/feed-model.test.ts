/** The dashboard's moderation feed model: tenant events in, feed items out. */
import { expect, test } from 'vitest';
import type { ImageEvent } from '../../shared/index.js';
import { FEED_LENGTH, applyFeedEvent, imageLink, imageSource } from '../../dashboard/feed-model.js';

const ann = { id: 'u1', name: 'Ann' };
const envelope = { broadcastId: 'b', tenantId: 'acme', urlId: 'img' };
const created = (chatId: string, text: string, seq = 1): ImageEvent => ({
  type: 'new-image-chat', ...envelope, seq, chatId,
  chat: { id: chatId, number: 1, x: 0.1, y: 0.2, author: ann, createdAt: 1000, resolved: false, comments: [{ id: `${chatId}-first`, author: ann, text, createdAt: 1000, editedAt: null }] },
});

test('markers and comments come first; edits change the text; deletions mark the chat\'s items', () => {
  let items = applyFeedEvent([], created('c1', 'hello'));
  items = applyFeedEvent(items, { type: 'image-chat-updated', ...envelope, seq: 2, chatId: 'c1', change: 'comment-added', comment: { id: 'k2', author: { id: 'u2', name: 'Bo' }, text: '<b>reply</b>', createdAt: 2000, editedAt: null } });
  expect(items.map((i) => [i.kind, i.author, i.text])).toEqual([['comment', 'Bo', '<b>reply</b>'], ['marker', 'Ann', 'hello']]);
  items = applyFeedEvent(items, { type: 'image-chat-updated', ...envelope, seq: 3, chatId: 'c1', change: 'comment-edited', comment: { id: 'c1-first', author: ann, text: 'hello!', createdAt: 1000, editedAt: 3000 } });
  expect(items[1]?.text).toBe('hello!');
  items = applyFeedEvent(items, { type: 'image-chat-updated', ...envelope, seq: 4, chatId: 'c1', change: 'comment-deleted', commentId: 'k2' });
  expect(items.map((i) => i.deleted)).toEqual([true, false]);
  items = applyFeedEvent(items, { type: 'image-chat-updated', ...envelope, seq: 5, chatId: 'c1', change: 'moved', x: 0.5, y: 0.5 });
  expect(items).toHaveLength(2);
  items = applyFeedEvent(items, { type: 'deleted-image-chat', ...envelope, seq: 6, chatId: 'c1' });
  expect(items.map((i) => i.deleted)).toEqual([true, true]);
});

test('a chat of the same id on another image is another item; the feed keeps the newest entries', () => {
  let items = applyFeedEvent([], created('c1', 'one'));
  items = applyFeedEvent(items, { ...created('c1', 'two'), urlId: 'other' } as ImageEvent);
  items = applyFeedEvent(items, { type: 'deleted-image-chat', ...envelope, urlId: 'other', seq: 2, chatId: 'c1' });
  expect(items.map((i) => [i.urlId, i.deleted])).toEqual([['other', true], ['img', false]]);
  for (let n = 0; n < FEED_LENGTH + 5; n += 1) items = applyFeedEvent(items, created(`x${n}`, `m${n}`));
  expect(items).toHaveLength(FEED_LENGTH);
  expect(items[0]?.text).toBe(`m${FEED_LENGTH + 4}`);
});

test('only http(s) URLs and paths on this server become image links', () => {
  expect(imageLink('acme', 'https://shop.example/a.png')).toBe('https://shop.example/a.png');
  expect(imageLink('acme', '/images/a.png')).toBe('/images/a.png');
  expect(imageLink('demo', 'demo-floor-plan')).toBe('/demo#demo-floor-plan');
  for (const bad of ['javascript:alert(1)', '//evil.example/x', '/\\evil.example', 'https:///x', 'data:text/html,x', 'plain-id']) expect(imageLink('acme', bad)).toBeNull();
});

test('the moderation viewer loads same-origin paths and the demo\'s image only, as the dashboard\'s CSP allows', () => {
  expect(imageSource('acme', '/images/a.png')).toBe('/images/a.png');
  expect(imageSource('demo', 'demo-floor-plan')).toBe('/demo/floor-plan.svg');
  for (const other of ['https://shop.example/a.png', 'javascript:alert(1)', '//evil.example/x', '/\\evil.example', 'plain-id']) expect(imageSource('acme', other)).toBeNull();
  expect(imageSource('acme', 'demo-floor-plan')).toBeNull();
});
