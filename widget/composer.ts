/** The new-marker composer's template, and the Enter-to-send behaviour shared by every text box. */
import { html } from 'lit';
import { LIMITS } from '../shared/index.js';
import type { Strings } from './i18n.js';

/** Enter sends the text box's form; Shift+Enter makes a new line (and an IME composition is left alone). */
export function submitOnEnter(event: KeyboardEvent): void {
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  const field = event.target;
  if (!(field instanceof HTMLTextAreaElement)) return;
  event.preventDefault();
  field.form?.requestSubmit();
}

interface ComposerHandlers {
  submit(event: SubmitEvent): void;
  keydown(event: KeyboardEvent): void;
  cancel(): void;
}

/** The form that adds a marker: the reader's name (remembered), the first comment, Cancel and Post. */
export function composerTemplate(strings: Strings, name: string, handlers: ComposerHandlers) {
  return html`<form part="composer" class="panel composer" @submit=${handlers.submit} @keydown=${handlers.keydown}>
    <label class="visually-hidden" for="name">${strings.namePlaceholder}</label>
    <input id="name" name="name" autocomplete="nickname" maxlength=${LIMITS.MAX_NAME_LENGTH} placeholder=${strings.namePlaceholder} .value=${name} />
    <label class="visually-hidden" for="text">${strings.commentPlaceholder}</label>
    <textarea id="text" name="text" rows="3" maxlength=${LIMITS.MAX_TEXT_LENGTH} placeholder=${strings.commentPlaceholder} @keydown=${submitOnEnter}></textarea>
    <div class="row">
      <button type="button" class="btn" @click=${handlers.cancel}>${strings.cancel}</button>
      <button type="submit" class="btn primary">${strings.post}</button>
    </div>
  </form>`;
}
