/**
 * `<webhook-deliveries>`: one webhook endpoint's recent deliveries, newest first (`GET …/webhooks/{id}/deliveries`),
 * a page at a time with the API's `nextCursor`: the event's type, image and seq, the state, the attempts, the last
 * answer (its HTTP status, and the error as text) and, for pending ones, when the next attempt is due. Resend sends
 * one again now (`POST …/deliveries/{id}/resend`); Refresh reads the first page again.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { WebhookDeliveryView } from '../shared/index.js';
import { ApiError, TenantApi, type Credentials } from './api.js';

/** Deliveries per page by default: enough to see a burst of events, short enough to read. */
const DELIVERIES_PAGE = 20;

const describeError = (error: unknown): string =>
  error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);

const when = (ms: number): string => new Date(ms).toLocaleString('en');

/**
 * @example
 * <webhook-deliveries .credentials=${credentials} .webhookId=${'wh_…'}></webhook-deliveries>
 *
 * @csspart table - the deliveries
 * @csspart status - the last action's outcome
 */
@customElement('webhook-deliveries')
export class WebhookDeliveries extends LitElement {
  static override styles = css`
    :host { display: block; }
    .actions { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; margin: 0.4rem 0; }
    button { font: inherit; font-size: 0.85rem; padding: 0.25rem 0.6rem; border-radius: 6px; border: 1px solid #2563eb; background: #fff; color: #2563eb; cursor: pointer; }
    button:disabled { opacity: 0.5; cursor: default; }
    table { width: 100%; border-collapse: collapse; font-size: 0.85rem; }
    th, td { text-align: left; padding: 0.25rem 0.35rem; border-bottom: 1px solid var(--dashboard-border, #e5e7eb); vertical-align: top; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.wrap { overflow-wrap: anywhere; }
    .chip { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 999px; font-size: 0.8rem; background: #f3f4f6; }
    .chip[data-state='delivered'] { background: #dcfce7; color: #166534; }
    .chip[data-state='pending'] { background: #fef3c7; color: #92400e; }
    .chip[data-state='failed'] { background: #fee2e2; color: #991b1b; }
    .meta { color: var(--dashboard-muted, #6b7280); font-size: 0.8rem; }
    .error { color: #b91c1c; }
  `;

  /** The signed-in tenant. */
  @property({ attribute: false }) credentials: Credentials | null = null;
  /** The endpoint whose deliveries are listed. */
  @property({ attribute: false }) webhookId = '';
  /** Deliveries per page (the API takes 1 to 100). */
  @property({ type: Number, attribute: 'page-size' }) pageSize = DELIVERIES_PAGE;
  /** Whether the endpoint is on: an off one holds its resent deliveries until it is turned on. */
  @property({ attribute: false }) endpointEnabled = true;

  @state() private _deliveries: WebhookDeliveryView[] = [];
  @state() private _cursor: string | null = null;
  @state() private _loaded = false;
  @state() private _busy = false;
  @state() private _status: { text: string; error: boolean } | null = null;

  private get api(): TenantApi | null {
    return this.credentials ? new TenantApi(this.credentials) : null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const reread = changed.has('credentials') || changed.has('webhookId') || changed.has('pageSize');
    if (reread && this.credentials && this.webhookId) void this.load(false);
  }

  override render() {
    return html`<div class="actions">
        <button type="button" ?disabled=${this._busy} @click=${() => void this.load(false)}>Refresh deliveries</button>
        ${this._status ? html`<span part="status" class=${this._status.error ? 'error' : 'meta'} role=${this._status.error ? 'alert' : 'status'}>${this._status.text}</span>` : nothing}
      </div>
      ${this._loaded && this._deliveries.length === 0 ? html`<p class="meta">No deliveries yet: they appear here once an event of a type it takes happens.</p>` : nothing}
      ${this._deliveries.length === 0 ? nothing : html`<table part="table">
        <caption class="meta">Newest first, times in this browser's zone. No status: no answer (timeout, refused connection or address).</caption>
        <thead><tr><th>Event</th><th>Image</th><th class="num">Seq</th><th>State</th><th class="num">Attempts</th><th class="num">Last status</th><th>Last error</th><th>Next attempt</th><th><span class="meta">Action</span></th></tr></thead>
        <tbody>${repeat(this._deliveries, (delivery) => delivery.id, (delivery) => this.renderDelivery(delivery))}</tbody>
      </table>`}
      ${this._cursor ? html`<button type="button" ?disabled=${this._busy} @click=${() => void this.load(true)}>Older deliveries</button>` : nothing}`;
  }

  private renderDelivery(delivery: WebhookDeliveryView) {
    return html`<tr data-delivery=${delivery.id} data-state=${delivery.state}>
      <td>${delivery.type}<div class="meta">${when(delivery.createdAt)}</div></td>
      <td class="wrap">${delivery.urlId}</td>
      <td class="num">${delivery.seq}</td>
      <td><span class="chip" data-state=${delivery.state}>${delivery.state}</span>
        ${delivery.finishedAt === null ? nothing : html`<div class="meta">${when(delivery.finishedAt)}</div>`}</td>
      <td class="num">${delivery.attempts}</td>
      <td class="num" data-field="last-status">${delivery.lastStatus ?? '—'}</td>
      <td class="wrap" data-field="last-error">${delivery.lastError ?? '—'}</td>
      <td data-field="next-attempt">${delivery.nextAttemptAt === null ? '—' : when(delivery.nextAttemptAt)}</td>
      <td><button type="button" ?disabled=${this._busy} aria-label=${`Resend ${delivery.type} seq ${delivery.seq} of ${delivery.urlId}`}
        @click=${() => void this.resend(delivery)}>Resend</button></td>
    </tr>`;
  }

  private async load(more: boolean): Promise<void> {
    const api = this.api;
    if (!api) return;
    const webhookId = this.webhookId;
    try {
      const page = await api.webhookDeliveries(webhookId, more ? this._cursor : null, this.pageSize);
      if (webhookId !== this.webhookId) return;
      this._deliveries = more ? [...this._deliveries, ...page.deliveries] : page.deliveries;
      this._cursor = page.nextCursor;
      this._loaded = true;
      if (this._status?.error) this._status = null;
    } catch (error) {
      this._status = { text: `Could not list the deliveries: ${describeError(error)}`, error: true };
    }
  }

  private async resend(delivery: WebhookDeliveryView): Promise<void> {
    const api = this.api;
    if (!api) return;
    this._busy = true;
    try {
      await api.resendWebhookDelivery(this.webhookId, delivery.id);
      const text = `Resending ${delivery.type} (seq ${delivery.seq})`;
      this._status = { text: this.endpointEnabled ? `${text} now.` : `${text} once the endpoint is turned on.`, error: false };
    } catch (error) {
      this._status = { text: `Not resent: ${describeError(error)}`, error: true };
    } finally {
      this._busy = false;
    }
    await this.load(false);
  }
}

declare global {
  interface HTMLElementTagNameMap { 'webhook-deliveries': WebhookDeliveries }
}
