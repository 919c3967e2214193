/**
 * "Ann is typing…" in an open thread: one line, a polite live region (`role="status"`), so a screen reader
 * mentions it without interrupting. It stays in the thread while empty, because a live region added together with
 * its first words is often not announced.
 */
import { html } from 'lit';
import type { PresenceTyping } from '../shared/index.js';
import type { Strings } from './i18n.js';

/**
 * The sentence for the people typing in one thread ('' for nobody); anonymous guests come without a name.
 * @example typingLine(strings, [{ id: 'sso:ann', name: 'Ann', chatId }]) // 'Ann is typing…'
 */
export function typingLine(strings: Strings, typing: readonly PresenceTyping[]): string {
  return strings.typing(typing.map((entry) => entry.name));
}

/** The thread's typing line; `line` is user text (names) and is rendered as text. */
export function typingIndicatorTemplate(line: string) {
  return html`<p part="typing" class="typing" role="status">${line}</p>`;
}
