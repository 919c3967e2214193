/**
 * One marker on the image: a real button at the chat's relative position. It re-renders only when its own
 * properties change (its chat object, number, pending/open/fresh flags), so a live change to one marker leaves
 * the others untouched.
 */
import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { definedOnce } from './define.js';
import type { Chat } from '../shared/index.js';
import type { Strings } from './i18n.js';
import { markerStyles } from './styles.js';
import { markerPreviewTemplate } from './marker-preview.js';

const FIRST_WORDS = 8;
/** How far a pointer must travel on a movable marker before it drags instead of clicking. */
const DRAG_THRESHOLD_PX = 4;

/** The first few words of a text, for a label. */
function firstWords(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length > FIRST_WORDS ? `${words.slice(0, FIRST_WORDS).join(' ')}…` : words.join(' ');
}

/**
 * @csspart marker - the button (forwarded by `<image-chat>`); also `pending` while unacknowledged
 * @csspart preview - the preview of the first comment and the reply count, on hover and keyboard focus
 * Its events are for `<image-chat>`, whose shadow root holds the markers: they bubble but are not composed, so
 * the page never hears them (the page's events are `<image-chat>`'s, in events.ts).
 * @fires marker-open - when the marker is activated (click, tap, Enter, Space); `detail.chatId`
 * @fires marker-move - when a movable marker was dragged to a new spot; `detail.chatId`, `detail.x`, `detail.y`
 */
@definedOnce('chat-marker')
export class ChatMarker extends LitElement {
  static override styles = [markerStyles];
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };

  @property({ attribute: false }) chat!: Chat;
  /** The marker's number from the server (`Chat.number`); 0 while it is not stored yet. */
  @property({ type: Number }) number = 0;
  @property({ type: Boolean }) pending = false;
  @property({ type: Boolean, reflect: true }) open = false;
  @property({ type: Boolean }) fresh = false;
  @property({ attribute: false }) strings!: Strings;
  /** The reader may drag this marker (it is theirs). */
  @property({ type: Boolean, reflect: true }) movable = false;

  /** How many times this marker rendered (the render-count test reads it). */
  renders = 0;
  private drag: { pointerId: number; startX: number; startY: number; moved: boolean } | null = null;
  /** The reader pressed Escape on this marker: no preview until it is left. */
  @state() private _dismissed = false;

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('pointerleave', this.resetPreview);
  }

  protected override willUpdate(): void {
    // Percentages of the image box: the marker stays on its spot however the image is resized.
    this.style.left = `${this.chat.x * 100}%`;
    this.style.top = `${this.chat.y * 100}%`;
  }

  protected override render() {
    this.renders += 1;
    const { chat, strings } = this;
    const label = strings.markerLabel(this.number, chat.author.name, firstWords(chat.comments[0]?.text ?? ''));
    const state = [chat.resolved ? strings.resolved : '', this.pending ? strings.sending : ''].filter(Boolean).join(', ');
    return html`<button
      part=${this.pending ? 'marker pending' : 'marker'}
      class="${this.pending ? 'pending' : ''} ${chat.resolved ? 'resolved' : ''} ${this.fresh ? 'fresh' : ''}"
      aria-label=${state ? `${label} (${state})` : label}
      aria-expanded=${this.open ? 'true' : 'false'}
      data-chat-id=${chat.id}
      @click=${this.activate}
      @keydown=${this.dismissPreview}
      @blur=${this.resetPreview}
      @pointerdown=${this.pointerDown}
      @pointermove=${this.pointerMove}
      @pointerup=${this.pointerUp}
      @pointercancel=${this.pointerCancel}
    >${this.number > 0 ? this.number : '•'}</button>${this.open || this._dismissed ? nothing : markerPreviewTemplate(chat, strings, this.activate)}`;
  }

  /** Escape hides the preview until the pointer or focus leaves the marker (WCAG 1.4.13: dismissible). */
  private dismissPreview = (event: KeyboardEvent): void => {
    if (event.key === 'Escape' && !this.open && !this._dismissed) this._dismissed = true;
  };

  private resetPreview = (): void => {
    this._dismissed = false;
  };

  private activate = (event: Event): void => {
    event.stopPropagation();
    if (this.drag?.moved) {
      this.drag = null;
      return; // the click that ends a drag does not open the thread
    }
    this.dispatchEvent(new CustomEvent('marker-open', { detail: { chatId: this.chat.id }, bubbles: true }));
  };

  private pointerDown(event: PointerEvent): void {
    if (!this.movable || event.button !== 0) return;
    this.drag = { pointerId: event.pointerId, startX: event.clientX, startY: event.clientY, moved: false };
    try {
      (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    } catch {
      // Not an active pointer (a synthetic event): the drag still works while the pointer stays on the marker.
    }
  }

  private pointerMove(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    if (!drag.moved && Math.hypot(event.clientX - drag.startX, event.clientY - drag.startY) < DRAG_THRESHOLD_PX) return;
    drag.moved = true;
    const spot = this.spotAt(event);
    if (!spot) return;
    this.style.left = `${spot.x * 100}%`;
    this.style.top = `${spot.y * 100}%`;
  }

  private pointerUp(event: PointerEvent): void {
    const drag = this.drag;
    if (!drag || drag.pointerId !== event.pointerId) return;
    if (!drag.moved) {
      this.drag = null;
      return;
    }
    const spot = this.spotAt(event);
    if (spot) this.dispatchEvent(new CustomEvent('marker-move', { detail: { chatId: this.chat.id, ...spot }, bubbles: true }));
    // A touch drag fires no click afterwards; a mouse drag does, and `activate` swallows it.
    if (event.pointerType !== 'mouse') this.drag = null;
  }

  private pointerCancel(): void {
    this.drag = null;
    this.requestUpdate(); // back to the chat's own spot
  }

  /** The pointer's spot, relative to the image layer (0..1). */
  private spotAt(event: PointerEvent): { x: number; y: number } | null {
    const box = this.offsetParent?.getBoundingClientRect();
    if (!box || box.width === 0 || box.height === 0) return null;
    const clamp = (value: number) => Math.min(1, Math.max(0, value));
    return { x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height) };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-marker': ChatMarker;
  }
}
