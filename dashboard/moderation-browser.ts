/**
 * `<moderation-browser>`: moderation of what is stored (docs/dashboard.md#moderation). Browse the tenant's images
 * (`GET …/images`) and its comments newest first with a search by text or author (`GET …/comments`); open an
 * image to see its markers drawn at their spots and its threads (`GET …/image`); delete a comment or a marker
 * after a confirmation that says what goes with it, resolve or reopen — through `POST …/writes` as the tenant's
 * admin, so every open widget of the image sees the change live. User text is only ever interpolated as text.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import type { Chat } from '../shared/index.js';
import { ApiError, TenantApi, type CommentHit, type Credentials, type ImageSnapshot, type ImageSummary, type ModerationWrite } from './api.js';
import { imageSource } from './feed-model.js';

/** Comments per page of the list: a screenful. */
const COMMENTS_PAGE = 20;

/** A write waiting for the moderator's yes, with the sentence that says what it takes with it. */
interface PendingDelete { write: ModerationWrite; question: string }

const describeError = (error: unknown): string =>
  error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);

const when = (ms: number): string => new Date(ms).toLocaleString('en');

const plural = (count: number, one: string): string => `${count} ${one}${count === 1 ? '' : 's'}`;

/**
 * @example
 * <moderation-browser .credentials=${{ tenantId: 'acme', secret: 'ics_…' }}></moderation-browser>
 *
 * @csspart search - the comment search form
 * @csspart comments - the list of comments
 * @csspart images - the list of images
 * @csspart viewer - the open image, its markers and threads
 * @csspart confirm - the delete confirmation dialog
 * @csspart status - the last action's outcome
 */
@customElement('moderation-browser')
export class ModerationBrowser extends LitElement {
  static override styles = css`
    :host { display: block; }
    .columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr); gap: 1.5rem; }
    @media (max-width: 800px) { .columns { grid-template-columns: 1fr; } }
    h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
    form { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: end; }
    label { display: grid; gap: 0.2rem; font-size: 0.85rem; font-weight: 600; }
    input { font: inherit; padding: 0.35rem 0.5rem; border: 1px solid #cbd5e1; border-radius: 6px; font-weight: normal; }
    button { font: inherit; font-size: 0.85rem; padding: 0.3rem 0.7rem; border-radius: 6px; border: 1px solid #2563eb; background: #fff; color: #2563eb; cursor: pointer; }
    button.danger { border-color: #b91c1c; color: #b91c1c; }
    button:disabled { opacity: 0.5; cursor: default; }
    ul { list-style: none; margin: 0; padding: 0; }
    li { border-bottom: 1px solid var(--dashboard-border, #e5e7eb); padding: 0.45rem 0; }
    .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.15rem 0; }
    .meta { color: var(--dashboard-muted, #6b7280); font-size: 0.8rem; overflow-wrap: anywhere; }
    .actions { display: flex; gap: 0.4rem; flex-wrap: wrap; }
    .stage { position: relative; border: 1px solid var(--dashboard-border, #e5e7eb); border-radius: 8px; overflow: hidden; min-height: 12rem; background: #f8fafc; }
    .stage img { display: block; width: 100%; height: auto; }
    .pin { position: absolute; transform: translate(-50%, -50%); min-width: 1.7rem; height: 1.7rem; padding: 0 0.3rem; border-radius: 999px;
      background: #2563eb; color: #fff; font-weight: 700; border: 2px solid #fff; }
    .pin[data-resolved] { background: #6b7280; }
    .thread { border: 1px solid var(--dashboard-border, #e5e7eb); border-radius: 8px; padding: 0.4rem 0.7rem; margin-top: 0.6rem; }
    .thread:target, .thread[data-focused] { border-color: #2563eb; }
    .error { color: #b91c1c; }
    dialog { border: 1px solid #cbd5e1; border-radius: 10px; max-width: 28rem; }
  `;

  /** The signed-in tenant. */
  @property({ attribute: false }) credentials: Credentials | null = null;

  @state() private _images: ImageSummary[] = [];
  @state() private _imagesCursor: string | null = null;
  @state() private _comments: CommentHit[] = [];
  @state() private _commentsCursor: string | null = null;
  @state() private _search = { q: '', author: '' };
  @state() private _open: ImageSnapshot | null = null;
  @state() private _focusedChat: string | null = null;
  @state() private _pending: PendingDelete | null = null;
  @state() private _busy = false;
  @state() private _status: { text: string; error: boolean } | null = null;

  @query('dialog') private _dialog!: HTMLDialogElement | null;

  private get api(): TenantApi | null {
    return this.credentials ? new TenantApi(this.credentials) : null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('credentials') && this.credentials) void this.reload();
  }

  protected override updated(): void {
    const dialog = this._dialog;
    if (!dialog) return;
    if (this._pending && !dialog.open) dialog.showModal();
    if (!this._pending && dialog.open) dialog.close();
  }

  override render() {
    return html`<div class="columns">
        <section aria-labelledby="comments-heading">
          <h3 id="comments-heading">Comments, newest first</h3>
          <form part="search" role="search" @submit=${this.onSearch}>
            <label>Text <input name="q" type="search" .value=${this._search.q}></label>
            <label>Author name or id <input name="author" type="search" .value=${this._search.author}></label>
            <button type="submit">Search</button>
            <button type="button" @click=${() => void this.reload()}>Refresh</button>
          </form>
          <ul part="comments" aria-live="polite">
            ${repeat(this._comments, (hit) => `${hit.urlId} ${hit.chatId} ${hit.comment.id}`, (hit) => this.renderHit(hit))}
          </ul>
          ${this._comments.length === 0 ? html`<p class="meta">No comments found.</p>` : nothing}
          ${this._commentsCursor ? html`<button @click=${() => void this.loadComments(true)}>More comments</button>` : nothing}
          <h3 id="images-heading">Images</h3>
          <ul part="images" aria-labelledby="images-heading">
            ${repeat(this._images, (image) => image.urlId, (image) => html`<li>
              <button class="plain" @click=${() => void this.openImage(image.urlId)}>Open <span class="meta">${image.urlId}</span></button>
              <span class="meta">${plural(image.chatCount, 'marker')}, last activity ${when(image.lastActivity)}</span></li>`)}
          </ul>
          ${this._imagesCursor ? html`<button @click=${() => void this.loadImages(true)}>More images</button>` : nothing}
        </section>
        <section part="viewer" aria-labelledby="viewer-heading">
          <h3 id="viewer-heading" tabindex="-1">${this._open ? html`Image <span class="meta">${this._open.urlId}</span>` : 'No image open'}</h3>
          ${this._status ? html`<p part="status" class=${this._status.error ? 'error' : 'meta'} role=${this._status.error ? 'alert' : 'status'}>${this._status.text}</p>` : nothing}
          ${this._open ? this.renderImage(this._open) : html`<p class="meta">Open an image, or a comment's image, to see its markers and threads.</p>`}
        </section>
      </div>
      <dialog part="confirm" aria-labelledby="confirm-question" @cancel=${this.onCancel}>
        <p id="confirm-question">${this._pending?.question ?? ''}</p>
        <div class="actions">
          <button class="danger" ?disabled=${this._busy} @click=${() => void this.confirmDelete()}>Delete</button>
          <button ?disabled=${this._busy} @click=${this.onCancel}>Cancel</button>
        </div>
      </dialog>`;
  }

  private renderHit(hit: CommentHit) {
    const { comment } = hit;
    return html`<li data-comment=${comment.id}>
      <p class="text">${comment.text}</p>
      <div class="meta">${comment.author.name} (${comment.author.id}) · ${when(comment.createdAt)} · ${hit.opensThread ? 'opens its thread' : 'reply'}</div>
      <div class="meta">${hit.urlId}</div>
      <div class="actions">
        <button @click=${() => void this.openImage(hit.urlId, hit.chatId)}>Open image</button>
        <button class="danger" @click=${() => this.askDeleteHit(hit)}>Delete${hit.opensThread ? ' marker' : ''}</button>
      </div></li>`;
  }

  private renderImage(image: ImageSnapshot) {
    const source = imageSource(this.credentials?.tenantId ?? '', image.urlId);
    return html`<div class="stage">
        ${source ? html`<img src=${source} alt=${`The image ${image.urlId}`}>` : html`<p class="meta">This image cannot be shown here; its markers are at their relative spots.</p>`}
        ${repeat(image.chats, (chat) => chat.id, (chat, index) => html`<button class="pin" ?data-resolved=${chat.resolved}
          style=${styleMap({ left: `${chat.x * 100}%`, top: `${chat.y * 100}%` })}
          aria-label=${`Marker ${index + 1} by ${chat.author.name}${chat.resolved ? ', resolved' : ''}`}
          @click=${() => this.focusChat(chat.id)}>${index + 1}</button>`)}
      </div>
      ${image.chats.length === 0 ? html`<p class="meta">No markers.</p>` : nothing}
      ${repeat(image.chats, (chat) => chat.id, (chat, index) => this.renderThread(image.urlId, chat, index))}`;
  }

  private renderThread(urlId: string, chat: Chat, index: number) {
    const replies = chat.comments.length - 1;
    return html`<article class="thread" data-chat=${chat.id} ?data-focused=${this._focusedChat === chat.id} aria-label=${`Thread of marker ${index + 1}`}>
      <div class="actions">
        <strong>Marker ${index + 1}</strong><span class="meta">${chat.resolved ? 'resolved' : 'open'}</span>
        <button ?disabled=${this._busy} @click=${() => void this.run({ type: 'resolve-chat', urlId, chatId: chat.id, resolved: !chat.resolved }, chat.resolved ? 'Reopened.' : 'Resolved.')}>
          ${chat.resolved ? 'Reopen' : 'Resolve'}</button>
        <button class="danger" ?disabled=${this._busy} @click=${() => this.askDelete({ type: 'delete-chat', urlId, chatId: chat.id },
          `Delete marker ${index + 1} and its whole thread${replies > 0 ? ` (its first comment and ${plural(replies, 'reply')})` : ''}?`)}>Delete marker</button>
      </div>
      <ul>${repeat(chat.comments, (comment) => comment.id, (comment, position) => html`<li data-comment=${comment.id}>
        <p class="text">${comment.text}</p>
        <div class="meta">${comment.author.name} · ${when(comment.createdAt)}${comment.editedAt ? ' · edited' : ''}</div>
        ${position === 0 ? nothing : html`<button class="danger" ?disabled=${this._busy}
          @click=${() => this.askDelete({ type: 'delete-comment', urlId, chatId: chat.id, commentId: comment.id }, 'Delete this reply? Only this comment goes; the thread stays.')}>Delete reply</button>`}
      </li>`)}</ul></article>`;
  }

  private askDeleteHit(hit: CommentHit): void {
    const write: ModerationWrite = hit.opensThread
      ? { type: 'delete-chat', urlId: hit.urlId, chatId: hit.chatId }
      : { type: 'delete-comment', urlId: hit.urlId, chatId: hit.chatId, commentId: hit.comment.id };
    this.askDelete(write, hit.opensThread
      ? 'This comment opens its thread: deleting it deletes the marker and its whole thread, replies included. Delete the marker?'
      : 'Delete this reply? Only this comment goes; the thread stays.');
  }

  private askDelete(write: ModerationWrite, question: string): void {
    this._pending = { write, question };
  }

  private onCancel = (event?: Event): void => {
    event?.preventDefault();
    this._pending = null;
  };

  private async confirmDelete(): Promise<void> {
    const pending = this._pending;
    if (!pending) return;
    await this.run(pending.write, pending.write.type === 'delete-chat' ? 'Marker and its thread deleted.' : 'Reply deleted.');
    this._pending = null;
  }

  /** One write as the tenant's admin, then the lists and the open image read again. */
  private async run(write: ModerationWrite, done: string): Promise<void> {
    const api = this.api;
    if (!api) return;
    this._busy = true;
    try {
      await api.write(write);
      this._status = { text: done, error: false };
    } catch (error) {
      // Already gone (someone else deleted it meanwhile) is what was wanted.
      this._status = error instanceof ApiError && error.code === 'not-found'
        ? { text: 'It was already gone.', error: false }
        : { text: `Not done: ${describeError(error)}`, error: true };
    } finally {
      this._busy = false;
    }
    await this.reload();
  }

  private onSearch(event: SubmitEvent): void {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    this._search = { q: String(form.get('q') ?? '').trim(), author: String(form.get('author') ?? '').trim() };
    void this.loadComments(false);
  }

  private focusChat(chatId: string): void {
    this._focusedChat = chatId;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[data-chat="${CSS.escape(chatId)}"]`)?.scrollIntoView({ block: 'nearest' }));
  }

  private async reload(): Promise<void> {
    await Promise.all([this.loadComments(false), this.loadImages(false), this._open ? this.openImage(this._open.urlId, this._focusedChat) : undefined]);
  }

  private async loadComments(more: boolean): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const page = await api.comments(this._search.q, this._search.author, more ? this._commentsCursor : null, COMMENTS_PAGE);
      this._comments = more ? [...this._comments, ...page.comments] : page.comments;
      this._commentsCursor = page.nextCursor;
    } catch (error) {
      this._status = { text: `Could not search: ${describeError(error)}`, error: true };
    }
  }

  private async loadImages(more: boolean): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      const page = await api.images(more ? this._imagesCursor : null);
      this._images = more ? [...this._images, ...page.images] : page.images;
      this._imagesCursor = page.nextCursor;
    } catch (error) {
      this._status = { text: `Could not list images: ${describeError(error)}`, error: true };
    }
  }

  /** Opens `urlId` in the viewer (from a link elsewhere on the dashboard) and puts focus on its heading. */
  async show(urlId: string): Promise<void> {
    await this.openImage(urlId);
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>('#viewer-heading')?.focus();
  }

  private async openImage(urlId: string, chatId: string | null = null): Promise<void> {
    const api = this.api;
    if (!api) return;
    try {
      this._open = await api.image(urlId);
      if (chatId) this.focusChat(chatId);
    } catch (error) {
      this._status = { text: `Could not open the image: ${describeError(error)}`, error: true };
    }
  }
}

declare global {
  interface HTMLElementTagNameMap { 'moderation-browser': ModerationBrowser }
}
