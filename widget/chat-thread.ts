/**
 * The open thread of one marker: its comments with author (avatar, unverified mark) and time, a reply box (or
 * "sign in to comment"), edit and delete of one's own comments, delete of one's own marker, and resolve/reopen.
 * A moderator sees delete on everyone's comments and markers, confirmed inline first. It renders on its own
 * chat's data only and asks its host to perform actions through `act`, which answers whether the write went through.
 */
import { LitElement, html, nothing } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { definedOnce } from './define.js';
import { repeat } from 'lit/directives/repeat.js';
import { LIMITS, identityKind, isSafeAvatarUrl, type Chat, type Comment, type TenantRules, type WelcomeUser } from '../shared/index.js';
import { relativeTime, type Strings } from './i18n.js';
import { controlStyles, threadStyles } from './styles.js';
import { submitOnEnter } from './composer.js';
import { savedName } from './browser-env.js';
import { deleteRight, mayResolve, type WriteMode } from './permissions.js';
import { signInTemplate } from './sign-in.js';
import { typingIndicatorTemplate } from './typing-indicator.js';

/** How often an open thread refreshes its relative times. */
const CLOCK_MS = 30_000;

/** What the thread asks its host to do. */
export type ThreadAction =
  /** `name`: the guest's display name from the reply form, to use (and remember) from now on. */
  | { type: 'reply'; text: string; name?: string }
  /** The reply box now holds `text` (every input): the host tells the image's other viewers the reader is typing. */
  | { type: 'typing'; text: string }
  | { type: 'edit'; commentId: string; text: string }
  | { type: 'delete-comment'; commentId: string }
  | { type: 'resolve'; resolved: boolean }
  | { type: 'move' }
  | { type: 'delete-chat' }
  | { type: 'close' };

/**
 * @csspart thread - the thread panel (forwarded by `<image-chat>`)
 * @csspart composer - the reply form
 * @csspart avatar - an author's picture (https or data-image URLs only)
 * @csspart confirm - the inline confirmation before deleting someone else's comment or marker
 * @csspart sign-in - "Sign in to comment", in place of the reply form
 * @csspart typing - "Ann is typing…" under the comments (empty while nobody is)
 */
@definedOnce('chat-thread')
export class ChatThread extends LitElement {
  static override styles = [controlStyles, threadStyles];

  @property({ attribute: false }) chat!: Chat;
  /** The marker's number from the server (`Chat.number`); 0 while it is not stored yet. */
  @property({ type: Number }) number = 0;
  @property({ type: Boolean }) pending = false;
  /** What the reader may do: write, sign in first, or only read (writeMode in permissions.ts). */
  @property() mode: WriteMode = 'write';
  /** An SSO admin or moderator: may delete anything (after confirming) and resolve any thread. */
  @property({ type: Boolean }) moderator = false;
  @property({ attribute: false }) rules: TenantRules | null = null;
  @property({ attribute: false }) me: WelcomeUser | null = null;
  @property({ attribute: false }) strings!: Strings;
  /** Who else is writing a reply here ("Ann is typing…"), or ''. */
  @property() typing = '';
  /** Performs an action; resolves true when it was accepted (so drafts can be cleared). */
  @property({ attribute: false }) act: (action: ThreadAction) => Promise<boolean> = async () => false;

  @state() private _editing: string | null = null;
  /** A delete of someone else's content, waiting for the moderator to confirm it. */
  @state() private _confirm: { action: ThreadAction; question: string } | null = null;
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
    const { chat, strings, mode, moderator, me } = this;
    const writing = mode === 'write';
    const markerRight = deleteRight(mode, chat.author, me, moderator);
    // A guest names themselves here too, not only when making a marker; signed-in people have the site's name.
    const guest = me !== null && me !== undefined && identityKind(me.id) === 'guest';
    const confirm = this._confirm;
    return html`<section part="thread" role="dialog" aria-labelledby="title" tabindex="-1" data-chat-id=${chat.id} @keydown=${this.keydown}>
      <header>
        <h2 id="title">${strings.threadTitle(this.number)}</h2>
        ${chat.resolved ? html`<span class="chip">${strings.resolved}</span>` : nothing}
        ${this.pending ? html`<span class="chip">${strings.sending}</span>` : nothing}
        ${!mayResolve(mode, chat, me, moderator, this.rules) ? nothing : html`<button class="btn" data-action="resolve" @click=${() => this.act({ type: 'resolve', resolved: !chat.resolved })}>${chat.resolved ? strings.reopen : strings.resolve}</button>`}
        <button class="close" aria-label=${strings.close} data-action="close" @click=${() => this.act({ type: 'close' })}>×</button>
      </header>
      <ol>${repeat(chat.comments, (comment) => comment.id, (comment, index) => this.renderComment(comment, index))}</ol>
      ${typingIndicatorTemplate(this.typing)}
      ${confirm ? html`<div part="confirm" class="confirm" role="alertdialog" aria-labelledby="confirm-q">
        <p id="confirm-q">${confirm.question}</p>
        <div class="row">
          <button class="btn" data-action="cancel-delete" @click=${this.cancelConfirm}>${strings.cancel}</button>
          <button class="btn danger" data-action="confirm-delete" @click=${this.confirmed}>${strings.delete}</button>
        </div>
      </div>` : nothing}
      ${mode === 'sign-in' ? html`<div class="foot">${signInTemplate(strings, this.rules)}</div>` : !writing ? nothing : html`<div class="foot">
        <form part="composer" @submit=${this.submitReply}>
          ${guest ? html`<label class="visually-hidden" for="reply-name">${strings.namePlaceholder}</label>
            <input id="reply-name" name="name" autocomplete="nickname" maxlength=${LIMITS.MAX_NAME_LENGTH} placeholder=${strings.namePlaceholder} .value=${savedName()} />` : nothing}
          <label class="visually-hidden" for="reply">${strings.reply}</label>
          <textarea id="reply" name="reply" rows="2" placeholder=${strings.replyPlaceholder} @keydown=${submitOnEnter} @input=${this.replyInput}></textarea>
          <div class="row">
            ${markerRight === 'own' ? html`<button type="button" class="btn" data-action="move" @click=${() => this.act({ type: 'move' })}>${strings.move}</button>` : nothing}
            ${markerRight ? html`<button type="button" class="btn danger" data-action="delete-chat" @click=${() => this.askDelete(chat, 0)}>${strings.deleteMarker}</button>` : nothing}
            <button class="btn primary" type="submit">${strings.reply}</button>
          </div>
        </form>
      </div>`}
    </section>`;
  }

  private renderComment(comment: Comment, index: number) {
    const { strings, me, mode } = this;
    const author = comment.author;
    const mine = mode === 'write' && me !== null && author.id === me.id;
    const right = deleteRight(mode, author, me, this.moderator);
    // The first comment's delete is the marker's: offered there to moderators (an author has "Delete marker").
    const canDelete = right !== null && (index > 0 || right === 'other');
    if (this._editing === comment.id) {
      return html`<li data-comment-id=${comment.id}>
        <form @submit=${(event: SubmitEvent) => this.submitEdit(event, comment.id)}>
          <label class="visually-hidden" for="edit">${strings.edit}</label>
          <textarea id="edit" name="edit" .value=${comment.text} @keydown=${submitOnEnter}></textarea>
          <div class="row">
            <button type="button" class="btn" @click=${() => this.endEdit(comment.id)}>${strings.cancel}</button>
            <button class="btn primary" type="submit">${strings.save}</button>
          </div>
        </form>
      </li>`;
    }
    return html`<li data-comment-id=${comment.id}>
      <div class="meta">
        ${isSafeAvatarUrl(author.avatar) ? html`<img part="avatar" src=${author.avatar} alt="" width="20" height="20" loading="lazy" decoding="async" referrerpolicy="no-referrer">` : nothing}
        <span class="author">${author.name}</span>
        ${identityKind(author.id) === 'simple' ? html`<span class="unverified">(${strings.unverified})</span>` : nothing}
        <time datetime=${new Date(comment.createdAt).toISOString()}>${relativeTime(strings, comment.createdAt)}</time>
        ${comment.editedAt !== null ? html`<span>(${strings.edited})</span>` : nothing}
      </div>
      <p class="text">${comment.text}</p>
      ${mine || canDelete ? html`<div class="actions">
        ${mine ? html`<button class="link" data-action="edit" @click=${() => this.startEdit(comment.id)}>${strings.edit}</button>` : nothing}
        ${canDelete ? html`<button class="link" data-action=${index > 0 ? 'delete-comment' : 'delete-chat'} @click=${() => this.askDelete(comment, index)}>${strings.delete}</button>` : nothing}
      </div>` : nothing}
    </li>`;
  }

  /**
   * Deletes a comment (`index` > 0) or, for the first, the marker: one's own at once, someone else's after the
   * inline confirmation names whose it is.
   */
  private askDelete(item: { id: string; author: WelcomeUser }, index: number): void {
    const action: ThreadAction = index > 0 ? { type: 'delete-comment', commentId: item.id } : { type: 'delete-chat' };
    const others = deleteRight(this.mode, item.author, this.me, this.moderator) === 'other';
    const replies = this.chat.comments.length - 1;
    // One's own marker goes at once, unless other people replied to it: their words go with it.
    const othersReplied = index === 0 && this.chat.comments.slice(1).some((comment) => comment.author.id !== this.me?.id);
    if (!others && !othersReplied) {
      void this.act(action);
      return;
    }
    const name = item.author.name;
    this._confirm = { action, question: index > 0 ? this.strings.confirmComment(name) : this.strings.confirmMarker(this.number, name, replies) };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('[data-action="cancel-delete"]')?.focus());
  }

  private confirmed = (): void => {
    const action = this._confirm?.action;
    this._confirm = null;
    if (action) void this.act(action);
  };

  private cancelConfirm = (): void => {
    this._confirm = null;
    this.focusPanel();
  };

  private async startEdit(commentId: string): Promise<void> {
    this._editing = commentId;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLTextAreaElement>('textarea[name="edit"]')?.focus();
  }

  private keydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    if (this._confirm) {
      this.cancelConfirm();
      return;
    }
    if (this._editing) {
      this.endEdit(this._editing);
      return;
    }
    void this.act({ type: 'close' });
  }

  private async submitReply(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const field = this._reply;
    if (!field || field.value.trim() === '') return;
    const text = field.value;
    const name = (field.form?.elements.namedItem('name') as HTMLInputElement | null)?.value.trim();
    field.value = '';
    if (!(await this.act({ type: 'reply', text, ...(name ? { name } : {}) })) && field.value === '') field.value = text;
  }

  private replyInput(event: InputEvent): void {
    void this.act({ type: 'typing', text: (event.target as HTMLTextAreaElement).value });
  }

  private async submitEdit(event: SubmitEvent, commentId: string): Promise<void> {
    event.preventDefault();
    const field = (event.target as HTMLFormElement).elements.namedItem('edit');
    if (!(field instanceof HTMLTextAreaElement) || field.value.trim() === '') return;
    const done = this.act({ type: 'edit', commentId, text: field.value });
    this.endEdit(commentId);
    await done;
  }

  /**
   * Leaves the edit form (saved or cancelled) and puts focus on that comment's Edit button, where the reader
   * was: focus stays in the thread (so Escape still closes it) instead of falling to the page.
   */
  private endEdit(commentId: string): void {
    this._editing = null;
    void this.updateComplete.then(() => {
      const edit = this.renderRoot.querySelector<HTMLElement>(`li[data-comment-id="${CSS.escape(commentId)}"] [data-action="edit"]`);
      (edit ?? this._panel)?.focus();
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'chat-thread': ChatThread;
  }
}
