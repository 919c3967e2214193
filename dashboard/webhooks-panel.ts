/**
 * `<webhooks-panel>`: the signed-in tenant's webhook endpoints (docs/webhooks.md) over the REST API with its
 * secret: list them — with, prominently, why the server turned one off after its deliveries kept failing —;
 * register one (URL, all events or some, a description), whose signing secret is shown once; turn one on or
 * off; rotate its secret (the previous one keeps signing for 24 h unless revoked); remove one after a
 * confirmation; and open an endpoint's deliveries (`<webhook-deliveries>`). The server validates; its message
 * is shown as text, like every URL and description here.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEndpointView, type WebhookEventType } from '../shared/index.js';
import { ApiError, TenantApi, type Credentials, type WebhookInput } from './api.js';
import type { WebhookSecret } from './webhook-secret.js';
import './webhook-secret.js';
import './webhook-deliveries.js';

/**
 * The reason the server records when the tenant turns an endpoint off (server/webhooks/endpoints.ts); any other
 * reason is the server's own, after a delivery kept failing, and is what the tenant must hear about.
 */
const TENANT_DISABLED_REASON = 'turned off by the tenant';

/** An action waiting for the tenant's yes in the dialog. */
type PendingAction =
  | { type: 'remove'; endpoint: WebhookEndpointView }
  | { type: 'rotate'; endpoint: WebhookEndpointView };

/** A secret in the one moment it can be shown. */
interface RevealedSecret { secret: string; endpointUrl: string; note: string }

const describeError = (error: unknown): string =>
  error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);

const when = (ms: number): string => new Date(ms).toLocaleString('en');

const turnedOffByServer = (endpoint: WebhookEndpointView): boolean =>
  !endpoint.enabled && endpoint.disabledReason !== null && endpoint.disabledReason !== TENANT_DISABLED_REASON;

const eventsText = (endpoint: WebhookEndpointView): string =>
  endpoint.events.includes('*') ? 'all events, types added later included' : endpoint.events.join(', ');

/** What the register form would send; `null` events: "only these" with none chosen. */
function inputFromForm(form: HTMLFormElement): Omit<WebhookInput, 'events'> & { events: WebhookInput['events'] | null } {
  const data = new FormData(form);
  const some = data.get('eventsChoice') === 'some';
  const chosen = data.getAll('events').map(String) as WebhookEventType[];
  return {
    url: String(data.get('url') ?? '').trim(),
    events: some ? (chosen.length > 0 ? chosen : null) : ['*'],
    description: String(data.get('description') ?? '').trim(),
  };
}

/**
 * @example
 * <webhooks-panel .credentials=${{ tenantId: 'acme', secret: 'ics_…' }}></webhooks-panel>
 *
 * @csspart register - the form that registers an endpoint
 * @csspart endpoints - the list of endpoints
 * @csspart turned-off - the server's reason for turning an endpoint off
 * @csspart confirm - the remove and rotate dialog
 * @csspart status - the last action's outcome
 */
@customElement('webhooks-panel')
export class WebhooksPanel extends LitElement {
  static override styles = css`
    :host { display: block; }
    h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
    form { display: grid; gap: 0.7rem; max-width: 40rem; }
    fieldset { border: 1px solid var(--dashboard-border, #e5e7eb); border-radius: 8px; padding: 0.5rem 0.9rem 0.7rem; margin: 0; display: grid; gap: 0.3rem; }
    legend { font-weight: 600; padding: 0 0.3rem; }
    label { display: flex; gap: 0.5rem; align-items: baseline; }
    label.field { display: grid; gap: 0.25rem; font-weight: 600; }
    .types { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.2rem 1rem; padding-left: 1.5rem; }
    input[type='url'], input[type='text'] { font: inherit; padding: 0.45rem 0.6rem; border: 1px solid #cbd5e1; border-radius: 6px; font-weight: normal; }
    button { font: inherit; font-size: 0.85rem; padding: 0.3rem 0.7rem; border-radius: 6px; border: 1px solid #2563eb; background: #fff; color: #2563eb; cursor: pointer; }
    button.primary { background: #2563eb; color: #fff; font-size: inherit; padding: 0.45rem 0.9rem; justify-self: start; }
    button.danger { border-color: #b91c1c; color: #b91c1c; }
    button:disabled { opacity: 0.5; cursor: default; }
    ul.endpoints { list-style: none; margin: 0; padding: 0; }
    ul.endpoints > li { border: 1px solid var(--dashboard-border, #e5e7eb); border-radius: 8px; padding: 0.5rem 0.8rem; margin-bottom: 0.7rem; }
    li[data-turned-off-by-server] { border-color: #b91c1c; }
    .url { font-weight: 600; overflow-wrap: anywhere; }
    .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.15rem 0; }
    .actions { display: flex; gap: 0.4rem; flex-wrap: wrap; align-items: center; margin-top: 0.4rem; }
    .chip { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.8rem; background: #f3f4f6; }
    .chip[data-state='on'] { background: #dcfce7; color: #166534; }
    .chip[data-state='off'] { background: #fee2e2; color: #991b1b; }
    .warning { border-left: 4px solid #b91c1c; background: #fef2f2; color: #7f1d1d; padding: 0.4rem 0.6rem; margin: 0.4rem 0; overflow-wrap: anywhere; }
    .meta, .hint { color: var(--dashboard-muted, #6b7280); font-size: 0.85rem; font-weight: normal; overflow-wrap: anywhere; }
    .error { color: #b91c1c; }
    dialog { border: 1px solid #cbd5e1; border-radius: 10px; max-width: 30rem; }
    dialog h3 { margin-top: 0; }
  `;

  /** The signed-in tenant; the endpoints are (re)loaded when it changes. */
  @property({ attribute: false }) credentials: Credentials | null = null;

  /** The endpoints as the server last answered them; null until loaded. */
  @state() private _endpoints: WebhookEndpointView[] | null = null;
  @state() private _loadError = '';
  @state() private _someEvents = false;
  @state() private _revealed: RevealedSecret | null = null;
  @state() private _pending: PendingAction | null = null;
  @state() private _revokePrevious = false;
  /** Endpoints whose deliveries are open. */
  @state() private _open: ReadonlySet<string> = new Set();
  @state() private _busy = false;
  @state() private _status: { text: string; error: boolean } | null = null;

  @query('dialog') private _dialog!: HTMLDialogElement | null;
  @query('webhook-secret') private _secretBox!: WebhookSecret | null;

  private get api(): TenantApi | null {
    return this.credentials ? new TenantApi(this.credentials) : null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('credentials')) return;
    this._endpoints = null;
    this._revealed = null;
    this._open = new Set();
    void this.load();
  }

  protected override updated(): void {
    const dialog = this._dialog;
    if (!dialog) return;
    if (this._pending && !dialog.open) dialog.showModal();
    if (!this._pending && dialog.open) dialog.close();
  }

  override render() {
    const endpoints = this._endpoints ?? [];
    const byServer = endpoints.filter(turnedOffByServer);
    return html`
      ${byServer.length > 0 ? html`<p class="warning" role="alert">${byServer.length === 1 ? 'One endpoint was' : `${byServer.length} endpoints were`}
        turned off by the server after its deliveries kept failing; see below.</p>` : nothing}
      ${this._revealed ? html`<webhook-secret .secret=${this._revealed.secret} .endpointUrl=${this._revealed.endpointUrl} .note=${this._revealed.note}
        @secret-dismissed=${() => { this._revealed = null; }}></webhook-secret>` : nothing}
      ${this._status ? html`<p part="status" class=${this._status.error ? 'error' : 'meta'} role=${this._status.error ? 'alert' : 'status'}>${this._status.text}</p>` : nothing}
      <h3 id="endpoints-heading">Endpoints</h3>
      <div class="actions"><button type="button" @click=${() => void this.load()}>Refresh endpoints</button></div>
      ${this.renderEndpoints()}
      <h3 id="register-heading">Register an endpoint</h3>
      ${this.renderRegister()}
      ${this.renderDialog()}`;
  }

  private renderEndpoints() {
    if (this._loadError) return html`<p class="error" role="alert">${this._loadError}</p>`;
    if (!this._endpoints) return html`<p class="meta" role="status">Loading the endpoints…</p>`;
    if (this._endpoints.length === 0) return html`<p class="meta">No endpoints yet. Register one below to hear of every change on your images.</p>`;
    return html`<ul class="endpoints" part="endpoints" aria-labelledby="endpoints-heading">
      ${repeat(this._endpoints, (endpoint) => endpoint.id, (endpoint) => this.renderEndpoint(endpoint))}
    </ul>`;
  }

  private renderEndpoint(endpoint: WebhookEndpointView) {
    const open = this._open.has(endpoint.id);
    const headingId = `webhook-${endpoint.id}`;
    return html`<li data-webhook=${endpoint.id} ?data-turned-off-by-server=${turnedOffByServer(endpoint)}>
      <article aria-labelledby=${headingId}>
        <div><span class="url" id=${headingId}>${endpoint.url}</span>
          <span class="chip" data-field="enabled" data-state=${endpoint.enabled ? 'on' : 'off'}>${endpoint.enabled ? 'on' : 'off'}</span></div>
        ${turnedOffByServer(endpoint)
          ? html`<p class="warning" part="turned-off"><strong>Turned off by the server:</strong> <span data-field="reason">${endpoint.disabledReason}</span>.
            Fix the receiver, then turn it on: its pending deliveries resume, and failed ones can be resent.</p>`
          : !endpoint.enabled ? html`<p class="meta">Turned off by you: it receives no events until turned on.</p>` : nothing}
        <div class="meta">Events: <span data-field="events">${eventsText(endpoint)}</span></div>
        ${endpoint.description ? html`<p class="text" data-field="description">${endpoint.description}</p>` : nothing}
        <div class="meta">Registered ${when(endpoint.createdAt)} · id ${endpoint.id}</div>
        <div class="actions">
          <button type="button" ?disabled=${this._busy} @click=${() => void this.setEnabled(endpoint, !endpoint.enabled)}>${endpoint.enabled ? 'Turn off' : 'Turn on'}</button>
          <button type="button" ?disabled=${this._busy} @click=${() => this.ask({ type: 'rotate', endpoint })}>Rotate secret</button>
          <button type="button" aria-expanded=${open ? 'true' : 'false'} aria-controls=${`deliveries-${endpoint.id}`} @click=${() => this.toggleDeliveries(endpoint.id)}>
            ${open ? 'Hide deliveries' : 'Show deliveries'}</button>
          <button type="button" class="danger" ?disabled=${this._busy} @click=${() => this.ask({ type: 'remove', endpoint })}>Remove</button>
        </div>
        <div id=${`deliveries-${endpoint.id}`}>
          ${open ? html`<webhook-deliveries .credentials=${this.credentials} .webhookId=${endpoint.id} .endpointEnabled=${endpoint.enabled}></webhook-deliveries>` : nothing}
        </div>
      </article></li>`;
  }

  private renderRegister() {
    return html`<form part="register" novalidate aria-labelledby="register-heading" @submit=${this.register} aria-busy=${this._busy ? 'true' : 'false'}>
      <label class="field">Endpoint URL
        <input type="url" name="url" required placeholder="https://your-site.example/hooks/image-chat" aria-describedby="url-hint">
        <span class="hint" id="url-hint">Your backend's address; each delivery is a signed POST with a JSON body.</span></label>
      <fieldset>
        <legend>Events</legend>
        <label><input type="radio" name="eventsChoice" value="all" .checked=${!this._someEvents} @change=${() => { this._someEvents = false; }}>
          All events <span class="hint">types added later too</span></label>
        <label><input type="radio" name="eventsChoice" value="some" .checked=${this._someEvents} @change=${() => { this._someEvents = true; }}>
          Only these:</label>
        <div class="types" role="group" aria-label="Event types">
          ${WEBHOOK_EVENT_TYPES.map((type) => html`<label><input type="checkbox" name="events" value=${type} ?disabled=${!this._someEvents}> ${type}</label>`)}
        </div>
      </fieldset>
      <label class="field">Description
        <input type="text" name="description" maxlength="200" aria-describedby="description-hint">
        <span class="hint" id="description-hint">Optional, for you: what receives these events.</span></label>
      <button class="primary" type="submit" ?disabled=${this._busy}>Register endpoint</button>
    </form>`;
  }

  private renderDialog() {
    const pending = this._pending;
    return html`<dialog part="confirm" aria-labelledby="dialog-title" @cancel=${this.onCancel}>${pending ? this.renderQuestion(pending) : nothing}</dialog>`;
  }

  private renderQuestion(pending: PendingAction) {
    const url = html`<span class="url">${pending.endpoint.url}</span>`;
    switch (pending.type) {
      case 'remove':
        return html`<h3 id="dialog-title">Remove this webhook?</h3>
          <p>${url} stops receiving events, and the history of its deliveries is deleted. This cannot be undone.</p>
          <div class="actions">
            <button type="button" class="danger" ?disabled=${this._busy} @click=${() => void this.confirm()}>Remove</button>
            <button type="button" ?disabled=${this._busy} @click=${this.onCancel}>Cancel</button>
          </div>`;
      case 'rotate':
        return html`<h3 id="dialog-title">Rotate the signing secret?</h3>
          <p>${url} gets a new secret, shown once.</p>
          <label><input type="checkbox" .checked=${this._revokePrevious} @change=${(event: Event) => { this._revokePrevious = (event.target as HTMLInputElement).checked; }}>
            Revoke the previous secret at once</label>
          <p class="hint">Otherwise the previous secret keeps signing for 24 hours alongside the new one (deliveries carry both signatures),
            so your receiver can switch without missing any. Revoke at once if it leaked.</p>
          <div class="actions">
            <button type="button" class="primary" ?disabled=${this._busy} @click=${() => void this.confirm()}>Rotate secret</button>
            <button type="button" ?disabled=${this._busy} @click=${this.onCancel}>Cancel</button>
          </div>`;
    }
  }

  private async load(): Promise<void> {
    const api = this.api;
    const credentials = this.credentials;
    if (!api) return;
    try {
      const endpoints = await api.webhooks();
      // A late answer for a tenant signed out meanwhile is dropped.
      if (credentials !== this.credentials) return;
      this._endpoints = endpoints;
      this._loadError = '';
    } catch (error) {
      this._loadError = `Could not load the webhooks: ${describeError(error)}`;
    }
  }

  private async register(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const api = this.api;
    const form = event.target as HTMLFormElement;
    if (!api || this._busy) return;
    const { url, events, description } = inputFromForm(form);
    if (events === null) {
      this._status = { text: 'Not registered: choose at least one event type, or All events.', error: true };
      return;
    }
    this._busy = true;
    this._status = null;
    try {
      const made = await api.registerWebhook({ url, events, description });
      form.reset();
      this._someEvents = false;
      this.reveal({ secret: made.secret, endpointUrl: made.webhook.url, note: '' });
      this._status = { text: 'Registered. It receives events from now on.', error: false };
      await this.load();
    } catch (error) {
      this._status = { text: `Not registered: ${describeError(error)}`, error: true };
    } finally {
      this._busy = false;
    }
  }

  private async setEnabled(endpoint: WebhookEndpointView, enabled: boolean): Promise<void> {
    const api = this.api;
    if (!api) return;
    this._busy = true;
    try {
      const changed = await api.setWebhookEnabled(endpoint.id, enabled);
      this._endpoints = (this._endpoints ?? []).map((one) => (one.id === changed.id ? changed : one));
      this._status = {
        text: enabled ? 'Turned on: its pending deliveries resume.' : 'Turned off: it receives no events until turned on again.',
        error: false,
      };
    } catch (error) {
      this._status = { text: `Not changed: ${describeError(error)}`, error: true };
    } finally {
      this._busy = false;
    }
  }

  private ask(action: PendingAction): void {
    this._revokePrevious = false;
    this._pending = action;
  }

  private onCancel = (event?: Event): void => {
    event?.preventDefault();
    this._pending = null;
  };

  private async confirm(): Promise<void> {
    const pending = this._pending;
    const api = this.api;
    if (!pending || !api) return;
    this._busy = true;
    try {
      switch (pending.type) {
        case 'remove':
          await api.removeWebhook(pending.endpoint.id);
          this._status = { text: 'Removed.', error: false };
          break;
        case 'rotate': {
          const rotated = await api.rotateWebhookSecret(pending.endpoint.id, this._revokePrevious);
          this.reveal({
            secret: rotated.secret, endpointUrl: pending.endpoint.url,
            note: rotated.previousValidUntil === null
              ? 'The previous secret was revoked: it signs nothing from now on.'
              : `The previous secret also signs until ${when(rotated.previousValidUntil)}.`,
          });
          this._status = { text: 'Secret rotated.', error: false };
          break;
        }
      }
    } catch (error) {
      this._status = error instanceof ApiError && error.code === 'not-found'
        ? { text: 'That endpoint was already removed.', error: false }
        : { text: `Not done: ${describeError(error)}`, error: true };
    } finally {
      this._busy = false;
      this._pending = null;
    }
    await this.load();
  }

  /** Shows a secret in its one moment, and takes focus there so it is not missed. */
  private reveal(secret: RevealedSecret): void {
    this._revealed = secret;
    void this.updateComplete.then(() => this._secretBox?.focus());
  }

  private toggleDeliveries(id: string): void {
    const open = new Set(this._open);
    if (!open.delete(id)) open.add(id);
    this._open = open;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'webhooks-panel': WebhooksPanel }
}
