/**
 * The events `<image-chat>` fires for the page (bubbling and composed, so a listener on `document` hears every
 * widget), typed in `HTMLElementEventMap` and `DocumentEventMap` so `addEventListener` knows each `detail`.
 * The markers' own `marker-open` and `marker-move` stay inside the widget's shadow root and are not listed.
 */
import type { ErrorCode } from '../shared/index.js';
import type { IndicatorState } from './connection.js';

/** Each public event's `detail`, by event name. */
export interface ImageChatEventDetails {
  /** The live indicator changed: `live`, `connecting` or `offline`. */
  'image-chat-status': { state: IndicatorState };
  /** A thread opened. */
  'image-chat-open': { chatId: string };
  /** A write was refused, or the server will not show the image (codes as in docs/protocol.md). */
  'image-chat-error': { code: ErrorCode; message: string };
}

/** @example widget.addEventListener('image-chat-status', (event) => console.log(event.detail.state)); */
export type ImageChatStatusEvent = CustomEvent<ImageChatEventDetails['image-chat-status']>;
/** @example widget.addEventListener('image-chat-open', (event) => console.log(event.detail.chatId)); */
export type ImageChatOpenEvent = CustomEvent<ImageChatEventDetails['image-chat-open']>;
/** @example document.addEventListener('image-chat-error', (event) => console.warn(event.detail.code)); */
export type ImageChatErrorEvent = CustomEvent<ImageChatEventDetails['image-chat-error']>;

declare global {
  interface HTMLElementEventMap {
    'image-chat-status': ImageChatStatusEvent;
    'image-chat-open': ImageChatOpenEvent;
    'image-chat-error': ImageChatErrorEvent;
  }
  interface DocumentEventMap {
    'image-chat-status': ImageChatStatusEvent;
    'image-chat-open': ImageChatOpenEvent;
    'image-chat-error': ImageChatErrorEvent;
  }
}
