/**
 * Who is viewing the image, in the widget's bar: the count (the reader included) and the faces of up to
 * `FACES_SHOWN` listed viewers (their SSO picture, or initials on their colour), "+N" for the rest of the count.
 * Hovering, keyboard focus or a tap shows their names as a list; the button's description reads the same list, so
 * a screen reader announces the names with the count. Escape hides the list. Names are user text and only ever
 * rendered as text.
 */
import { LitElement, html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { PresenceViewer } from '../shared/index.js';
import { definedOnce } from './define.js';
import { faceColourIndex, initialsOf, isFaceAvatar } from './face.js';
import type { Strings } from './i18n.js';
import { presenceStyles } from './styles.js';

/** Faces shown in the bar: a handful says "people are here" without crowding the image; the rest is "+N". */
const FACES_SHOWN = 5;

/**
 * @csspart face - one viewer's picture or initials (forwarded by `<image-chat>`)
 * @csspart names - the list of viewers' names shown on hover, focus or tap (forwarded by `<image-chat>`)
 */
@definedOnce('presence-faces')
export class PresenceFaces extends LitElement {
  static override styles = [presenceStyles];

  /** Distinct people viewing the image, the reader included. */
  @property({ type: Number }) count = 0;
  /** The listed viewers, in join order (presence.ts). */
  @property({ attribute: false }) viewers: readonly PresenceViewer[] = [];
  /** The reader's own user id on the tenant: their name is marked "(you)". */
  @property() me = '';
  @property({ attribute: false }) strings!: Strings;
  /** Names shown by a click or tap (touch screens have no hover); Escape hides them until the pointer or focus leaves. */
  @state() private _open = false;
  @state() private _dismissed = false;
  /** Viewers whose picture failed to load: their initials show instead. */
  @state() private _brokenAvatars: ReadonlySet<string> = new Set();

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('pointerleave', this.reset);
    this.addEventListener('focusout', this.reset);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('pointerleave', this.reset);
    this.removeEventListener('focusout', this.reset);
  }

  protected override render() {
    const { strings, viewers, count } = this;
    const shown = viewers.slice(0, FACES_SHOWN);
    const beyondFaces = count - shown.length;
    const unnamed = count - viewers.length;
    return html`<button type="button" class="faces" aria-expanded=${this._open ? 'true' : 'false'}
        aria-describedby=${viewers.length > 0 ? 'names' : nothing} @click=${this.toggle} @keydown=${this.keydown}>
        ${shown.length === 0 ? nothing : html`<span class="stack" aria-hidden="true">${repeat(shown, (viewer) => viewer.id, (viewer) => this.face(viewer))}${beyondFaces > 0 ? html`<span class="face more">+${beyondFaces}</span>` : nothing}</span>`}
        <span class="label">${strings.viewing(count)}</span>
      </button>
      ${viewers.length === 0 ? nothing : html`<div part="names" id="names" class=${this._dismissed ? 'names dismissed' : this._open ? 'names open' : 'names'}>
        <span class="title">${strings.viewingNow}</span>
        <ul>
          ${repeat(viewers, (viewer) => viewer.id, (viewer) => html`<li>${viewer.name}${viewer.id === this.me ? ` (${strings.you})` : ''}</li>`)}
          ${unnamed > 0 ? html`<li class="more">${strings.moreViewers(unnamed)}</li>` : nothing}
        </ul>
      </div>`}`;
  }

  private face(viewer: PresenceViewer) {
    if (isFaceAvatar(viewer.avatar) && !this._brokenAvatars.has(viewer.id)) {
      return html`<img part="face" class="face" src=${viewer.avatar} alt="" width="24" height="24" decoding="async"
        referrerpolicy="no-referrer" @error=${() => this.avatarFailed(viewer.id)}>`;
    }
    return html`<span part="face" class="face c${faceColourIndex(viewer.id)}">${initialsOf(viewer.name)}</span>`;
  }

  private avatarFailed(id: string): void {
    this._brokenAvatars = new Set([...this._brokenAvatars, id]);
  }

  private toggle(): void {
    this._open = !this._open;
    this._dismissed = false;
  }

  private keydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape' || this._dismissed) return;
    // Escape hides the names (WCAG 1.4.13: what hover or focus shows can be dismissed) and goes no further.
    event.stopPropagation();
    this._open = false;
    this._dismissed = true;
  }

  /** The pointer or focus left: hover and focus may show the names again; a tap's list closes with focus. */
  private reset = (event: Event): void => {
    this._dismissed = false;
    if (event.type === 'focusout') this._open = false;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'presence-faces': PresenceFaces;
  }
}
