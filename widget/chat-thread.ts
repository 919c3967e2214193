/**
 * The open thread of one marker: its comments with author and time, a reply box, edit and delete of one's own
 * comments, delete of one's own marker, and resolve/reopen. It renders on its own chat's data only and asks its
 * host to perform actions through `act`, which answers whether the write went through.
 */
import { LitElement, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Author, Chat, Comment } from '../shared/index.js';
import { relativeTime, type Strings } from './i18n.js';
import { controlStyles, themeStyles, threadStyles } from './styles.js';
import { submitOnEnter } from './composer.js';

/** How often an open thread refreshes its relative times. */
const CLOCK_MS = 30_000;

/** What the thread asks its host to do. */
export type ThreadAction =
  | { type: 'reply'; text: string }
  | { type: 'edit'; commentId: string; text: string }
  | { type: 'delete-comment'; commentId: string }
  | { type: 'resolve'; resolved: boolean }
  | { type: 'move' }
  | { type: 'delete-chat' }
  | { type: 'close' };

/**
 * @csspart thread - the thread panel (forwarded by `<image-chat>`)
 * @csspart composer - the reply form
 */
@customElement('chat-thread')
export class ChatThread extends LitElement {
  static override styles = [themeStyles, controlStyles, threadStyles];

  @property({ attribute: false }) chat!: Chat;
  @property({ type: Number }) index = 0;
  @property({ type: Boolean }) pending = false;
  @property({ type: Boolean }) readonly = false;
  @property({ attribute: false }) me: Author | null = null;
  @property({ attribute: false }) strings!: Strings;
  /** Performs an action; resolves true when it was accepted (so drafts can be cleared). */
  @property({ attribute: false }) act: (action: ThreadAction) => Promise<boolean> = async () => false;

  @state() private _editing: string | null = null;
  @query('[part="thread"]') private _panel!: HTMLElement;
  @query('textarea[name="reply"]') private _reply!: HTMLTextAreaElement | null;
  /** Re-renders now and then so "2 min ago" stays true while the thread is open. */
  private _clock: ReturnType<typeof setInterval> | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this._clock = setInterval(() => this.requestUpdate(), CLOCK_MS);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this._clock);
  }

  /** Moves focus into the thread (its panel, so a screen reader announces it). */
  focusPanel(): void {
    this._panel?.focus();
  }

  protected override render() {
    const { chat, strings } = this;
    const mine = this.me !== null && chat.author.id === this.me.id;
    return html`<section part="thread" role="dialog" aria-labelledby="title" tabindex="-1" data-chat-id=${chat.id} @keydown=${this.keydown}>
      <header>
        <h2 id="title">${strings.threadTitle(this.index)}</h2>
        ${chat.resolved ? html`<span class="chip">${strings.resolved}</span>` : nothing}
        ${this.pending ? html`<span class="chip">${strings.sending}</span>` : nothing}
        ${this.readonly ? nothing : html`<button class="btn" data-action="resolve" @click=${() => this.act({ type: 'resolve', resolved: !chat.resolved })}>${chat.resolved ? strings.reopen : strings.resolve}</button>`}
        <button class="close" aria-label=${strings.close} data-action="close" @click=${() => this.act({ type: 'close' })}>×</button>
      </header>
      <ol>${repeat(chat.comments, (comment) => comment.id, (comment, index) => this.renderComment(comment, index))}</ol>
      ${this.readonly ? nothing : html`<div class="foot">
        <form part="composer" @submit=${this.submitReply}>
          <label class="visually-hidden" for="reply">${strings.reply}</label>
          <textarea id="reply" name="reply" rows="2" placeholder=${strings.replyPlaceholder} @keydown=${submitOnEnter}></textarea>
          <div class="row">
            ${mine ? html`<button type="button" class="btn" data-action="move" @click=${() => this.act({ type: 'move' })}>${strings.move}</button>
              <button type="button" class="btn danger" data-action="delete-chat" @click=${() => this.act({ type: 'delete-chat' })}>${strings.deleteMarker}</button>` : nothing}
            <button class="btn primary" type="submit">${strings.reply}</button>
          </div>
        </form>
      </div>`}
    </section>`;
  }

  private renderComment(comment: Comment, index: number) {
    const { strings } = this;
    const mine = !this.readonly && this.me !== null && comment.author.id === this.me.id;
    if (this._editing === comment.id) {
      return html`<li data-comment-id=${comment.id}>
        <form @submit=${(event: SubmitEvent) => this.submitEdit(event, comment.id)}>
          <label class="visually-hidden" for="edit">${strings.edit}</label>
          <textarea id="edit" name="edit" .value=${comment.text} @keydown=${submitOnEnter}></textarea>
          <div class="row">
            <button type="button" class="btn" @click=${() => { this._editing = null; }}>${strings.cancel}</button>
            <button class="btn primary" type="submit">${strings.save}</button>
          </div>
        </form>
      </li>`;
    }
    return html`<li data-comment-id=${comment.id}>
      <div class="meta">
        <span class="author">${comment.author.name}</span>
        <time datetime=${new Date(comment.createdAt).toISOString()}>${relativeTime(strings, comment.createdAt)}</time>
        ${comment.editedAt !== null ? html`<span>(${strings.edited})</span>` : nothing}
      </div>
      <p class="text">${comment.text}</p>
      ${mine ? html`<div class="actions">
        <button class="link" data-action="edit" @click=${() => this.startEdit(comment.id)}>${strings.edit}</button>
        ${index > 0 ? html`<button class="link" data-action="delete-comment" @click=${() => this.act({ type: 'delete-comment', commentId: comment.id })}>${strings.delete}</button>` : nothing}
      </div>` : nothing}
    </li>`;
  }

  private async startEdit(commentId: string): Promise<void> {
    this._editing = commentId;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLTextAreaElement>('textarea[name="edit"]')?.focus();
  }

  private keydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    if (this._editing) {
      this._editing = null;
      this.focusPanel();
      return;
    }
    void this.act({ type: 'close' });
  }

  private async submitReply(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const field = this._reply;
    if (!field || field.value.trim() === '') return;
    const text = field.value;
    field.value = '';
    if (!(await this.act({ type: 'reply', text })) && field.value === '') field.value = text;
  }

  private async submitEdit(event: SubmitEvent, commentId: string): Promise<void> {
    event.preventDefault();
    const field = (event.target as HTMLFormElement).elements.namedItem('edit');
    if (!(field instanceof HTMLTextAreaElement) || field.value.trim() === '') return;
    this._editing = null;
    await this.act({ type: 'edit', commentId, text: field.value });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-thread': ChatThread;
  }
}
