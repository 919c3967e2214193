/**
 * Registering the widget's elements so that a second copy of the script on a page (widget.js twice under two
 * URLs, or both widget.js and widget.iife.js) does nothing instead of throwing
 * "'chat-marker' has already been used with this registry".
 */

/** A page-wide mark, shared by every copy of the script (a module-level variable would be per copy). */
const LOADED = Symbol.for('image-chat.loaded');

type Marked = typeof globalThis & { [LOADED]?: number };

/**
 * A class decorator like Lit's `@customElement`, except that a name already defined (by an earlier copy of the
 * script) is left to that copy: the earlier copy's elements are the ones the page gets.
 * @example
 * @definedOnce('chat-marker')
 * export class ChatMarker extends LitElement {}
 */
export const definedOnce = (tagName: string) => (target: CustomElementConstructor): void => {
  if (!customElements.get(tagName)) customElements.define(tagName, target);
};

/**
 * Counts this copy of the script in; true for the first copy on the page. The second copy warns once (later
 * copies stay quiet), so a site that includes the script twice hears about it without a console full of noise.
 */
export function firstCopyOnPage(): boolean {
  const page = globalThis as Marked;
  const copies = (page[LOADED] ?? 0) + 1;
  page[LOADED] = copies;
  if (copies === 2) {
    console.warn('image-chat: the widget script is loaded more than once on this page; only the first copy runs. Include widget.js (or widget.iife.js) once.');
  }
  return copies === 1;
}
