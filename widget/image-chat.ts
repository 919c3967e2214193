/**
 * `<image-chat>`: an image on which readers place markers and talk in threads, live with everyone else
 * looking at the same image.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ErrorCode, SecureSso, SimpleSso, WelcomeUser } from '../shared/index.js';
import { v4 as uuid } from 'uuid';
import type { IndicatorState } from './connection.js';
import type { ImageStore, WidgetWriteOutcome } from './store.js';
import { ImageStoreController, ResizeController, type ImageTarget } from './controllers.js';
import { ArrivalsController } from './arrivals.js';
import { stringsFor, type Strings } from './i18n.js';
import { defaultServer } from './server-url.js';
import { DefaultServerController, reportMissingServer } from './configure.js';
import type { ImageChatEventDetails } from './events.js';
import { savedName } from './browser-env.js';
import { pageSockets } from './shared-sockets.js';
import { controlStyles, imageChatStyles, themeStyles } from './styles.js';
import { clamp, defaultUrlId, keepAboveSheet, placePanel } from './placement.js';
import { composerTemplate } from './composer.js';
import { crosshairKey, type Crosshair } from './crosshair.js';
import { placeAt } from './place-at.js';
import type { ChatThread, ThreadAction } from './chat-thread.js';
import { writeMode, type WriteMode } from './permissions.js';
import { jsonObject, signInTemplate } from './sign-in.js';
import { definedOnce } from './define.js';
import { ImageWatchController, pageImageOf, urlIdOfImage } from './page-image.js';
import { TypingSender } from './typing-sender.js';
import { typingLine } from './typing-indicator.js';
import './chat-marker.js';
import './chat-thread.js';
import './presence-faces.js';

/** How long a notice stays. */
const NOTICE_MS = 8000;

/** The longest live-indicator label: the indicator keeps its width, so a change of state moves nothing beside it. */
const widestStatus = (strings: Strings): string => Object.values(strings.status).reduce((a, b) => (b.length > a.length ? b : a));

/** What keeps a widget from working: shown as a notice in place of the live indicator and the hint. */
type Problem = 'no-tenant' | 'no-server' | 'no-image' | 'image-failed' | 'refused';

/**
 * @example
 * <script type="module" src="https://chat.example.com/widget.js"></script>
 * <image-chat tenant-id="acme"><img src="/plans/floor-2.png" alt="Second floor plan" width="1200" height="800"></image-chat>
 * <!-- or, with no picture until the script runs: -->
 * <image-chat tenant-id="acme" src="/plans/floor-2.png" alt="Second floor plan"></image-chat>
 *
 * @slot - the page's own `<img>` (or `<picture>`), shown as it is, before and after the script runs
 *
 * @fires image-chat-status - the connection state changed; `detail.state` is `live`, `connecting` or `offline`
 * @fires image-chat-open - a thread opened; `detail.chatId`
 * @fires image-chat-error - a write or subscription was refused; `detail.code`, `detail.message`
 *
 * @csspart image - the `<img>`
 * @csspart marker - every marker button; `pending` is added while the server has not acknowledged it
 * @csspart preview - a marker's preview (first comment, reply count) on hover and keyboard focus
 * @csspart thread - the open thread panel
 * @csspart composer - the form (textarea and submit button) that adds a marker or a reply
 * @csspart status - the live indicator, with `data-state` `live`, `connecting` or `offline`
 * @csspart notice - a message about a refused write or sign-in
 * @csspart sign-in - "Sign in to comment" (a link to the tenant's login page when it has one)
 * @csspart avatar - an author's picture beside their comment
 * @csspart confirm - the inline "delete …?" confirmation of a moderator
 * @csspart presence - who is viewing the image, in the bar (the count and up to five faces); only while someone else is
 * @csspart face - one viewer's picture or initials in it
 * @csspart names - the viewers' names it shows on hover, focus or tap
 * @csspart typing - "Ann is typing…" in the open thread
 *
 * @cssprop --image-chat-accent - markers, primary buttons (default #2563eb, dark #60a5fa)
 * @cssprop --image-chat-accent-text - text on the accent colour
 * @cssprop --image-chat-bg - panel background
 * @cssprop --image-chat-fg - panel text
 * @cssprop --image-chat-muted - secondary text
 * @cssprop --image-chat-border - panel and field borders
 * @cssprop --image-chat-soft - subtle backgrounds (chips, buttons)
 * @cssprop --image-chat-live - the Live chip
 * @cssprop --image-chat-danger - notices and destructive buttons
 * @cssprop --image-chat-resolved - resolved markers
 * @cssprop --image-chat-marker-size - marker diameter (28px)
 * @cssprop --image-chat-radius - corner radius (10px)
 * @cssprop --image-chat-shadow - panel shadow
 * @cssprop --image-chat-thread-width - thread and composer width (320px)
 * @cssprop --image-chat-font - font family (default: the system UI font; the `page-font` attribute takes the page's)
 * @cssprop --image-chat-display - the element's display (default inline-block), kept even under a page's `* { all: unset }`
 */
@definedOnce('image-chat')
export class ImageChat extends LitElement {
  static override styles = [themeStyles, controlStyles, imageChatStyles];

  /** The site owner's tenant id. */
  @property({ attribute: 'tenant-id' }) tenantId = '';
  /**
   * The image's conversation id; by default the `src` attribute (of the `<img>` inside, else this element's)
   * resolved against the page, without query or hash. Set it when one picture has several URLs.
   */
  @property({ attribute: 'url-id' }) urlId = '';
  /** The picture, when the element has no `<img>` inside (which wins when it has one). */
  @property() src = '';
  @property() alt = '';
  /**
   * The image-chat server; defaults to `configure({ server })`, else (the served `/widget.js`) where the script
   * came from. Never the page's own origin: without either, the widget says so in the console.
   */
  @property() server = '';
  /** `en` or `nl`; defaults to the browser's language. */
  @property() locale = '';
  /** Shows markers and threads without letting the reader change them. */
  @property({ type: Boolean, reflect: true }) readonly = false;
  /**
   * The reader, signed by the site's server (Secure SSO): `{ userDataJSONBase64, verificationHash, timestamp }`.
   * As an attribute, JSON. Removing it (or setting null) logs out: the tenant's guest again.
   */
  @property({ converter: jsonObject }) sso: SecureSso | null = null;
  /** An unsigned reader `{ name, id?, avatar? }`, when the tenant allows simple SSO; shown as unverified. */
  @property({ attribute: 'simple-sso', converter: jsonObject }) simpleSso: SimpleSso | null = null;
  /**
   * Use the page's font family instead of the widget's own (`--image-chat-font`, by default the system UI font).
   * Only the family: the page's other text styles never reach the widget.
   */
  @property({ type: Boolean, attribute: 'page-font', reflect: true }) pageFont = false;
  /** `light`, `dark`, or `auto` (follow `prefers-color-scheme`). */
  @property({ reflect: true }) theme: 'light' | 'dark' | 'auto' = 'auto';

  @state() private _openId: string | null = null;
  @state() private _composer: { x: number; y: number } | null = null;
  @state() private _crosshair: Crosshair | null = null;
  @state() private _notice = '';

  @query('.frame') private _frame!: HTMLElement;
  @query('.layer') private _layer!: HTMLElement;

  private readonly _sync = new ImageStoreController(this, () => this.imageTarget());
  private readonly _size = new ResizeController(this);
  private readonly _arrivals = new ArrivalsController(this);
  private readonly _watch = new ImageWatchController(this);
  private readonly _serverWatch = new DefaultServerController(this);
  private _toldNoTenant = false;
  private _strings: Strings = stringsFor(undefined);
  private _noticeTimer: ReturnType<typeof setTimeout> | undefined;
  private _lastSpot = { x: 0.5, y: 0.5 };
  private _panelObserver: ResizeObserver | null = null;
  private readonly _composerHandlers = {
    submit: (event: SubmitEvent) => void this.submitComposer(event),
    keydown: (event: KeyboardEvent) => this.composerKeydown(event),
    cancel: () => this.closeComposer(),
  };
  private _observedPanel: HTMLElement | null = null;
  /** Tells the image's other viewers while the reader writes a reply (only when someone else is here). */
  private readonly _typing = new TypingSender(
    (chatId, stopped) => this._sync.store?.sendTyping(chatId, stopped) ?? false,
    () => this._sync.store?.presence.othersHere ?? false,
  );

  /** The image store (null until connected); scripts may read `chats` from it. */
  get store(): ImageStore | null {
    return this._sync.store;
  }

  /** The person the server knows this reader as on this tenant (after its welcome). */
  get user(): WelcomeUser | null {
    return this._sync.user;
  }

  /** What the reader may do here: write, sign in first, or only read (always, when something is wrong). */
  private get _mode(): WriteMode {
    return this._problem ? 'readonly' : writeMode(this.readonly, this._sync.rules, this._sync.user);
  }

  /** The image shown: the page's own `<img>` inside the element, else the one drawn from `src`. */
  private get _image(): HTMLImageElement | null {
    return pageImageOf(this) ?? this.renderRoot?.querySelector<HTMLImageElement>('img[part="image"]') ?? null;
  }

  /** What keeps this widget from working, if anything. */
  private get _problem(): Problem | null {
    if (!this.tenantId) return 'no-tenant';
    if (!this.server && !defaultServer()) return 'no-server';
    if (!pageImageOf(this) && !this.src) return 'no-image';
    if (this._watch.broken) return 'image-failed';
    if (this._sync.refused) return 'refused';
    return null;
  }

  /** `live`, `connecting` or `offline`. */
  get connectionState(): IndicatorState {
    return this._sync.status;
  }

  /** The image this element shows, read by its store controller; null until it has a tenant and an image. */
  private imageTarget(): ImageTarget | null {
    const page = pageImageOf(this);
    const urlId = this.urlId || (page ? urlIdOfImage(page) : this.src ? defaultUrlId(this.src, document.baseURI) : '');
    const server = this.server || defaultServer();
    if (!this.tenantId || !urlId || !server) return null;
    const identity = this.sso ? { sso: this.sso } : this.simpleSso ? { simpleSso: this.simpleSso } : null;
    return { server, tenantId: this.tenantId, urlId, identity };
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('locale') || !this.hasUpdated) this._strings = stringsFor(this.locale);
    const news = this._sync.takeNews();
    for (const state of news.statuses) this.emit('image-chat-status', { state });
    for (const error of news.errors) this.showNotice(this._strings.imageRefused(error.message), error, false);
    for (const error of news.signIns) this.showNotice(this._strings.signInRefused(error.code, error.message), error, false);
    this._arrivals.arrived(news.arrived, this._sync.store?.chats ?? [], this._strings);
    this._arrivals.remarked(news.remarks, this._sync.store?.chats ?? [], this._strings);
    if (this._openId && !this._sync.store?.chat(this._openId)) {
      // Its marker was deleted (elsewhere): close the thread, keeping keyboard focus in the widget.
      const focusInThread = this.shadowRoot?.activeElement?.localName === 'chat-thread';
      this._openId = null;
      if (focusInThread) void this.updateComplete.then(() => this._layer?.focus());
    }
    this._typing.follow(this._openId);
  }

  protected override render() {
    const strings = this._strings;
    const store = this._sync.store;
    const chats = store?.chats ?? [];
    const state = this._sync.status;
    const open = this._openId ? store?.chat(this._openId) : undefined;
    const mode = this._mode;
    const user = this._sync.user;
    const still = mode !== 'write';
    const problem = this._problem;
    const page = pageImageOf(this);
    const alt = page ? page.alt : this.alt;
    const presence = store?.presence;
    return html`<div class="root" lang=${strings.lang}>
      <div class="frame">
        <slot @slotchange=${() => this.requestUpdate()}></slot>
        ${page || !this.src ? nothing : html`<img part="image" src=${this.src} alt=${this.alt} draggable="false" />`}
        <div class="layer"
          tabindex=${still ? '-1' : '0'}
          role="group"
          aria-label=${still ? alt : `${alt ? `${alt}. ` : ''}${strings.imageLabel}`}
          @click=${this.layerClick}
          @keydown=${this.layerKeydown}
          @marker-open=${this.markerOpen}
          @marker-move=${this.markerMove}
        >
          ${repeat(chats, (chat) => chat.id, (chat) => html`<chat-marker
            exportparts="marker, pending, preview"
            data-chat-id=${chat.id}
            .chat=${chat}
            .number=${chat.number}
            .pending=${store?.isPending(chat.id) ?? false}
            .open=${chat.id === this._openId}
            .movable=${!still && chat.author.id === user?.id}
            .fresh=${this._arrivals.fresh.has(chat.id)}
            .strings=${strings}
          ></chat-marker>`)}
          ${this._crosshair ? html`<div class="crosshair" ${placeAt(this._crosshair)}></div>
            <span class="visually-hidden" role="status">${strings.crosshairHint}</span>` : nothing}
          ${this._composer ? html`<div class="pin" ${placeAt(this._composer)}></div>` : nothing}
        </div>
        ${this._composer ? composerTemplate(strings, savedName(), this._composerHandlers) : nothing}
        ${open ? html`<chat-thread
          exportparts="thread, composer, avatar, confirm, sign-in, typing"
          .chat=${open}
          .number=${open.number}
          .pending=${store?.isPending(open.id) ?? false}
          .mode=${mode}
          .moderator=${!this.readonly && user?.moderator === true}
          .rules=${this._sync.rules}
          .me=${user}
          .strings=${strings}
          .typing=${presence ? typingLine(strings, presence.typingIn(open.id)) : ''}
          .act=${this.threadAction}
        ></chat-thread>` : nothing}
      </div>
      <div class="bar">
        ${problem ? nothing : html`<span part="status" data-state=${state} role="status"><span class="state" data-widest=${widestStatus(strings)}><span>${strings.status[state]}</span></span></span>`}
        ${problem && problem !== 'image-failed' ? nothing : html`<span class="count">${strings.markerCount(chats.length)}</span>`}
        ${problem || !presence?.othersHere ? nothing : html`<presence-faces part="presence" exportparts="face, names"
          .count=${presence.count} .viewers=${presence.viewers} .me=${user?.id ?? ''} .strings=${strings}></presence-faces>`}
        ${problem ? nothing : mode === 'sign-in' ? signInTemplate(strings, this._sync.rules) : html`<span class="hint">${still ? strings.readonly : strings.hint}</span>`}
        ${problem && problem !== 'refused' ? html`<span part="notice" class="notice" role="alert">${strings.problem[problem]}</span>` : nothing}
        ${this._notice ? html`<span part="notice" class="notice" role="alert">${this._notice}</span>` : nothing}
        <span class="visually-hidden" aria-live="polite">${this._arrivals.announcement}</span>
      </div>
    </div>`;
  }

  protected override updated(): void {
    const image = this._image;
    this._size.observe(image);
    this._watch.observe(image);
    if (this._problem === 'no-tenant' && !this._toldNoTenant) {
      this._toldNoTenant = true;
      console.error('image-chat: this widget has no tenant-id (the attribute, data-tenant-id, or attach\'s tenantId), so it shows no conversations.', this);
    }
    if (this._problem === 'no-server') reportMissingServer(this);
    this.placePanels();
    // A panel also grows after its own render (a new comment in the thread): place it again then.
    const panel = this.renderRoot.querySelector<HTMLElement>('.composer, chat-thread');
    if (panel !== this._observedPanel) {
      this._panelObserver?.disconnect();
      this._observedPanel = panel;
      if (panel) {
        this._panelObserver ??= new ResizeObserver(() => this.placePanels());
        this._panelObserver.observe(panel);
      }
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this._noticeTimer);
    this._typing.stop();
    this._panelObserver?.disconnect();
    this._observedPanel = null;
  }

  private placePanels(): void {
    const composer = this.renderRoot.querySelector<HTMLElement>('.composer');
    if (composer && this._composer) {
      placePanel(composer, this._frame, this._composer.x, this._composer.y);
      keepAboveSheet(composer, this.renderRoot.querySelector('.pin'));
    }
    const thread = this.renderRoot.querySelector<HTMLElement>('chat-thread');
    const open = this._openId ? this._sync.store?.chat(this._openId) : undefined;
    if (thread && open) {
      placePanel(thread, this._frame, open.x, open.y);
      keepAboveSheet(thread, this.renderRoot.querySelector(`chat-marker[data-chat-id="${CSS.escape(open.id)}"]`));
    }
  }

  private emit<K extends keyof ImageChatEventDetails>(name: K, detail: ImageChatEventDetails[K]): void {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }

  /** Shows a notice (for a while, or until replaced when `fades` is false) and tells the page. */
  private showNotice(text: string, error?: { code: ErrorCode; message: string }, fades = true): void {
    this._notice = text;
    if (error) this.emit('image-chat-error', error);
    clearTimeout(this._noticeTimer);
    if (fades) this._noticeTimer = setTimeout(() => { this._notice = ''; }, NOTICE_MS);
  }

  /** Waits for a write's answer; on refusal shows why. Resolves true when it was stored. */
  private async perform(write: Promise<WidgetWriteOutcome>): Promise<boolean> {
    const outcome = await write;
    if (outcome.ok) return true;
    const offline = outcome.code === 'unavailable' && this._sync.status !== 'live';
    this.showNotice(offline ? this._strings.offlineWrite : this._strings.error(outcome.code, outcome.message), { code: outcome.code, message: outcome.message });
    return false;
  }

  // ---- markers and threads ----

  private markerOpen(event: CustomEvent<{ chatId: string }>): void {
    const chatId = event.detail.chatId;
    this._composer = null;
    this._crosshair = null;
    if (this._openId === chatId) {
      this.closeThread();
      return;
    }
    this._openId = chatId;
    this.emit('image-chat-open', { chatId });
    void this.updateComplete.then(() => this.renderRoot.querySelector<ChatThread>('chat-thread')?.focusPanel());
  }

  /** Closes the open thread and gives focus back to its marker. */
  private closeThread(): void {
    const chatId = this._openId;
    this._openId = null;
    if (chatId) this.focusMarker(chatId);
  }

  private markerMove(event: CustomEvent<{ chatId: string; x: number; y: number }>): void {
    const store = this._sync.store;
    if (!store || this._mode !== 'write') return;
    void this.perform(store.moveChat(event.detail.chatId, event.detail.x, event.detail.y));
  }

  /** Gives focus to a marker (after it was created, moved, or its thread closed). */
  private focusMarker(chatId: string): void {
    void this.updateComplete.then(() => {
      const marker = this.renderRoot.querySelector<HTMLElement>(`chat-marker[data-chat-id="${CSS.escape(chatId)}"]`);
      (marker ?? this._layer)?.focus();
    });
  }

  private threadAction = async (action: ThreadAction): Promise<boolean> => {
    const store = this._sync.store;
    const chatId = this._openId;
    if (action.type === 'close') {
      this.closeThread();
      return true;
    }
    if (!store || !chatId) return false;
    switch (action.type) {
      case 'typing':
        this._typing.input(chatId, action.text);
        return true;
      case 'reply':
        this._typing.stop();
        // The name goes first: the server takes the hello before the write that follows it.
        if (action.name && action.name !== savedName()) pageSockets.setName(action.name);
        return this.perform(store.addComment(chatId, action.text));
      case 'edit':
        return this.perform(store.editComment(chatId, action.commentId, action.text));
      case 'delete-comment':
        return this.perform(store.deleteComment(chatId, action.commentId));
      case 'resolve':
        return this.perform(store.resolveChat(chatId, action.resolved));
      case 'move': {
        const chat = store.chat(chatId);
        if (!chat) return false;
        this._openId = null;
        this._crosshair = { x: chat.x, y: chat.y, moving: chatId };
        this._layer?.focus();
        return true;
      }
      case 'delete-chat': {
        const done = store.deleteChat(chatId);
        this._openId = null;
        this._layer?.focus();
        return this.perform(done);
      }
    }
  };

  // ---- adding a marker: pointer, touch and keyboard ----

  private layerClick(event: MouseEvent): void {
    if (this._mode !== 'write') return;
    if (this._openId || this._composer) {
      // A click beside an open panel closes it, as one expects of a popover.
      this._openId = null;
      this.closeComposer();
      return;
    }
    const box = this._layer.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;
    this.openComposer(clamp((event.clientX - box.left) / box.width, 0, 1), clamp((event.clientY - box.top) / box.height, 0, 1));
  }

  private layerKeydown(event: KeyboardEvent): void {
    if (this._mode !== 'write' || event.target !== this._layer) return;
    const action = crosshairKey(event.key, event.shiftKey, this._crosshair);
    if (!action) return;
    event.preventDefault();
    switch (action.type) {
      case 'show':
        this._openId = null;
        this._crosshair = { ...this._lastSpot };
        return;
      case 'moved':
        this._crosshair = action.crosshair;
        return;
      case 'place': {
        const { x, y, moving } = action.crosshair;
        if (moving) this.finishMove(moving, x, y);
        else this.openComposer(x, y);
        return;
      }
      case 'cancel':
        this._crosshair = null;
        if (action.crosshair.moving) this.focusMarker(action.crosshair.moving);
        return;
    }
  }

  private finishMove(chatId: string, x: number, y: number): void {
    this._crosshair = null;
    const store = this._sync.store;
    if (!store) return;
    const done = store.moveChat(chatId, x, y);
    this.focusMarker(chatId);
    void this.perform(done);
  }

  private openComposer(x: number, y: number): void {
    this._crosshair = null;
    this._openId = null;
    this._composer = { x, y };
    this._lastSpot = { x, y };
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLTextAreaElement>('.composer textarea')?.focus());
  }

  private closeComposer(): void {
    if (!this._composer) return;
    this._composer = null;
    void this.updateComplete.then(() => this._layer?.focus());
  }

  private composerKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    this.closeComposer();
  }

  private async submitComposer(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const text = (form.elements.namedItem('text') as HTMLTextAreaElement).value;
    const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
    const store = this._sync.store;
    const spot = this._composer;
    if (!store || !spot || text.trim() === '') return;
    if (name && name !== savedName()) pageSockets.setName(name);
    const chatId = uuid();
    const done = store.createChat(spot.x, spot.y, text, chatId);
    if (!store.chat(chatId)) {
      // Refused before sending (offline, invalid): keep the composer and the text, so nothing typed is lost.
      await this.perform(done);
      return;
    }
    this._composer = null;
    this.focusMarker(chatId);
    if (await this.perform(done)) return;
    // The server refused it (a limit, the rules): the marker is gone, so the composer comes back with the text.
    if (this._composer || this._openId) return;
    this.openComposer(spot.x, spot.y);
    await this.updateComplete;
    const field = this.renderRoot.querySelector<HTMLTextAreaElement>('.composer textarea');
    if (field && field.value === '') field.value = text;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'image-chat': ImageChat;
  }
}
