/**
 * The preview a marker shows while a pointer hovers it or the keyboard focuses it (like Figma's pins): who
 * wrote the first comment, its first lines, and how many replies follow. User text is only ever text here.
 * It is `aria-hidden`: the marker's own label already says who and what; the preview is for the eyes.
 */
import { html, nothing } from 'lit';
import type { Chat } from '../shared/index.js';
import type { Strings } from './i18n.js';

/** The preview of `chat`, or nothing for a chat without comments. */
export function markerPreviewTemplate(chat: Chat, strings: Strings, open: (event: Event) => void) {
  const first = chat.comments[0];
  if (!first) return nothing;
  return html`<span part="preview" class="preview" aria-hidden="true" @click=${open}>
    <span class="preview-author">${first.author.name}</span>
    <span class="preview-text">${first.text}</span>
    <span class="preview-count">${strings.replyCount(chat.comments.length - 1)}</span>
  </span>`;
}
