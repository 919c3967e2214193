/**
 * One marker on the image: a real button at the chat's relative position. It re-renders only when its own
 * properties change (its chat object, number, pending/open/fresh flags), so a live change to one marker leaves
 * the others untouched.
 */
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { Chat } from '../shared/index.js';
import type { Strings } from './i18n.js';
import { markerStyles, themeStyles } from './styles.js';

const FIRST_WORDS = 8;

/** The first few words of a text, for a label. */
export function firstWords(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length > FIRST_WORDS ? `${words.slice(0, FIRST_WORDS).join(' ')}…` : words.join(' ');
}

/**
 * @csspart marker - the button (forwarded by `<image-chat>`); also `pending` while unacknowledged
 * @fires marker-open - when the marker is activated (click, tap, Enter, Space); `detail.chatId`
 */
@customElement('chat-marker')
export class ChatMarker extends LitElement {
  static override styles = [themeStyles, markerStyles];
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  @property({ attribute: false }) chat!: Chat;
  @property({ type: Number }) index = 0;
  @property({ type: Boolean }) pending = false;
  @property({ type: Boolean, reflect: true }) open = false;
  @property({ type: Boolean }) fresh = false;
  @property({ attribute: false }) strings!: Strings;

  /** How many times this marker rendered (the render-count test reads it). */
  renders = 0;

  protected override willUpdate(): void {
    // Percentages of the image box: the marker stays on its spot however the image is resized.
    this.style.left = `${this.chat.x * 100}%`;
    this.style.top = `${this.chat.y * 100}%`;
  }

  protected override render() {
    this.renders += 1;
    const { chat, strings } = this;
    const label = strings.markerLabel(this.index, chat.author.name, firstWords(chat.comments[0]?.text ?? ''));
    const state = [chat.resolved ? strings.resolved : '', this.pending ? strings.sending : ''].filter(Boolean).join(', ');
    return html`<button
      part=${this.pending ? 'marker pending' : 'marker'}
      class="${this.pending ? 'pending' : ''} ${chat.resolved ? 'resolved' : ''} ${this.fresh ? 'fresh' : ''}"
      aria-label=${state ? `${label} (${state})` : label}
      aria-expanded=${this.open ? 'true' : 'false'}
      data-chat-id=${chat.id}
      @click=${this.activate}
    >${chat.resolved ? '✓' : this.index}</button>`;
  }

  private activate(event: Event): void {
    event.stopPropagation();
    this.dispatchEvent(new CustomEvent('marker-open', { detail: { chatId: this.chat.id }, bubbles: true, composed: true }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-marker': ChatMarker;
  }
}
