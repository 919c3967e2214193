/**
 * The wire form of broadcast events (docs/protocol.md#lighter-new-image-chat): a `new-image-chat` leaves out what
 * the receiver already has or can derive, without renaming any field:
 * - `chat.id` (it is the event's `chatId`);
 * - `chat.resolved` when false (a new marker is open);
 * - a comment's `author` when it is the marker's author (same id and name, no avatar);
 * - a comment's `createdAt` when it equals the marker's (the first comment is made with it);
 * - a comment's `editedAt` when null.
 * The server sends events in this form (`eventToWire`); every client restores the whole event (`eventFromWire`),
 * which takes a whole event unchanged too. Other events are sent as they are.
 */
import type { ImageEvent, NewImageChatEvent } from './messages.js';
import type { Author, Comment } from './model.js';

type WireComment = Omit<Comment, 'author' | 'createdAt' | 'editedAt'> & { author?: Author; createdAt?: number; editedAt?: number | null };
type WireChat = Omit<NewImageChatEvent['chat'], 'id' | 'resolved' | 'comments'> & { id?: string; resolved?: boolean; comments: WireComment[] };

/** An event as it goes on the wire. */
export type WireEvent = Exclude<ImageEvent, NewImageChatEvent> | (Omit<NewImageChatEvent, 'chat'> & { chat: WireChat });

const sameAuthor = (a: Author, b: Author): boolean => a.id === b.id && a.name === b.name && a.avatar === undefined;

export function eventToWire(event: ImageEvent): WireEvent {
  if (event.type !== 'new-image-chat') return event;
  const { id: _id, resolved, comments, ...chat } = event.chat;
  return {
    ...event,
    chat: {
      ...chat,
      ...(resolved ? { resolved } : {}),
      comments: comments.map(({ author, createdAt, editedAt, ...comment }) => ({
        ...comment,
        ...(sameAuthor(author, chat.author) ? {} : { author }),
        ...(createdAt === chat.createdAt ? {} : { createdAt }),
        ...(editedAt === null ? {} : { editedAt }),
      })),
    },
  };
}

/** The whole event from its wire form (or from a whole event, which passes unchanged). */
export function eventFromWire(event: WireEvent | ImageEvent): ImageEvent {
  if (event.type !== 'new-image-chat') return event;
  const { id, resolved, comments, ...rest } = event.chat;
  // Rebuilt in the order the server's events have their fields, so a restored event serializes as the original.
  return {
    ...event,
    chat: {
      id: id ?? event.chatId,
      ...rest,
      resolved: resolved ?? false,
      comments: comments.map((comment) => ({
        id: comment.id,
        author: comment.author ?? { id: rest.author.id, name: rest.author.name },
        text: comment.text,
        createdAt: comment.createdAt ?? rest.createdAt,
        editedAt: comment.editedAt ?? null,
      })),
    },
  } as NewImageChatEvent;
}
