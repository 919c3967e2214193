/**
 * `<dashboard-app>`: the tenant dashboard at `/dashboard`. Sign in with the tenant id and API secret (kept in
 * sessionStorage for this tab only, never in a URL), then: today's counters, a 30-day chart per counter, live
 * connections and watched images, top images by traffic, the live moderation feed, the tenant's rules and its webhooks.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { ApiError, TenantApi, clearCredentials, formatBytes, loadCredentials, saveCredentials, utcDay, type Counter, type Credentials } from './api.js';
import { CHART_DAYS, REFRESH_MS, TenantController } from './tenant-controller.js';
import { imageLink, type FeedItem } from './feed-model.js';
import './usage-chart.js';
import './moderation-feed.js';
import './rules-panel.js';
import './moderation-browser.js';
import './webhooks-panel.js';

const REFRESH_SECONDS = REFRESH_MS / 1000;

/** The counters, under the names the API and billing use, each with what it counts (docs/dashboard.md#metering-definitions). */
const COUNTERS: { key: Counter; label: string; meaning: string; format: (value: number) => string }[] = [
  { key: 'pubSubMessageCount', label: 'Messages delivered', format: (v) => v.toLocaleString('en'),
    meaning: 'Every copy of a change sent to a viewer: one per viewer of the image, the writer\'s own echo included.' },
  { key: 'pubSubBandwidth', label: 'Bandwidth', format: formatBytes,
    meaning: 'The bytes of those copies as sent (the frames\' JSON; a batch counts once).' },
  { key: 'conversationCreateCount', label: 'Conversations created', format: (v) => v.toLocaleString('en'),
    meaning: 'Markers made, each with its first comment.' },
  { key: 'peakConnections', label: 'Peak connections', format: (v) => v.toLocaleString('en'),
    meaning: 'The most viewers connected at once, across all nodes.' },
];

/**
 * @example
 * <script type="module" src="/dashboard/dashboard.js"></script>
 * <dashboard-app></dashboard-app>
 *
 * @csspart signin - the sign-in form
 * @csspart today - today's counters
 * @csspart charts - the 30-day charts
 * @csspart live - live connections and watched images
 * @csspart live-images - the images viewed now, with how many people view each (presence)
 * @csspart feed - the moderation feed
 * @csspart stored - moderation of what is stored
 * @csspart rules - the rules panel
 * @csspart webhooks - the webhooks panel
 */
@customElement('dashboard-app')
export class DashboardApp extends LitElement {
  static override styles = css`
    :host { display: block; max-width: 1100px; margin: 0 auto; padding: 1rem; font: 15px/1.45 system-ui, sans-serif; color: #1f2937;
      --dashboard-muted: #6b7280; --dashboard-border: #e5e7eb; }
    header { display: flex; align-items: baseline; justify-content: space-between; gap: 1rem; flex-wrap: wrap; }
    h1 { font-size: 1.4rem; margin: 0 0 0.5rem; }
    h2 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
    form { display: grid; gap: 0.75rem; max-width: 24rem; margin-top: 2rem; }
    label { display: grid; gap: 0.25rem; font-weight: 600; }
    input { font: inherit; padding: 0.45rem 0.6rem; border: 1px solid #cbd5e1; border-radius: 6px; font-weight: normal; }
    button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 6px; border: 1px solid #2563eb; background: #2563eb; color: #fff; cursor: pointer; }
    button.plain { background: #fff; color: #2563eb; }
    .error { color: #b91c1c; }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0.75rem; }
    .card { border: 1px solid var(--dashboard-border); border-radius: 10px; padding: 0.75rem 1rem; }
    .card .value { font-size: 1.6rem; font-weight: 700; }
    .card .label { color: var(--dashboard-muted); font-size: 0.85rem; }
    .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; }
    .columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr); gap: 1.5rem; }
    @media (max-width: 800px) { .columns { grid-template-columns: 1fr; } }
    table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
    th, td { text-align: left; padding: 0.3rem 0.4rem; border-bottom: 1px solid var(--dashboard-border); }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.image { overflow-wrap: anywhere; }
    .chip { display: inline-block; padding: 0.1rem 0.55rem; border-radius: 999px; font-size: 0.8rem; background: #f3f4f6; }
    .chip[data-state='live'] { background: #dcfce7; color: #166534; }
    .chip[data-state='refused'] { background: #fee2e2; color: #991b1b; }
    .muted { color: var(--dashboard-muted); font-size: 0.85rem; }
    .card code { font-size: 0.78rem; color: #374151; }
    .card .meaning { color: var(--dashboard-muted); font-size: 0.78rem; margin-top: 0.25rem; }
    a, button.link { color: #1d4ed8; text-decoration: underline; text-underline-offset: 2px; }
    button.link { background: none; border: 0; padding: 0; font: inherit; cursor: pointer; text-align: left; overflow-wrap: anywhere; }
    .body { display: flex; flex-direction: column; }
    /* On a phone what happens now (live numbers, the feed) comes before the history. */
    @media (max-width: 800px) { .history { order: 2; } .now { order: 1; } .rest { order: 3; } }
  `;

  @state() private _tenant: TenantController | null = null;
  @state() private _signInError = '';
  @state() private _signingIn = false;

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = loadCredentials();
    if (saved && !this._tenant) this.open(saved);
  }

  override render() {
    return this._tenant ? this.renderTenant(this._tenant) : this.renderSignIn();
  }

  private renderSignIn() {
    return html`<h1>image-chat dashboard</h1>
      <form part="signin" @submit=${this.signIn}>
        <label>Tenant id <input name="tenantId" autocomplete="username" required pattern="[A-Za-z0-9_\\-]+"></label>
        <label>API secret <input name="secret" type="password" autocomplete="current-password" required></label>
        <p class="muted" id="where">The tenant id and API secret are what <code>npm run tenant -- create</code> printed (the secret is shown
          once; <code>npm run tenant -- rotate-secret</code> makes a new one). For the <code>demo</code> tenant, the server prints its
          secret when it starts (<code>npm start</code>, or <code>scripts/cluster start</code>).</p>
        <button type="submit" ?disabled=${this._signingIn}>Sign in</button>
        ${this._signInError ? html`<p class="error" role="alert">${this._signInError}</p>` : nothing}
        <p class="muted">The secret is kept in this tab only (sessionStorage) and sent as an Authorization header, never in a URL.</p>
      </form>`;
  }

  private renderTenant(tenant: TenantController) {
    const days = tenant.usage?.days ?? [];
    const today = days.at(-1);
    return html`<header>
        <h1>${tenant.credentials.tenantId} <span class="muted">usage and moderation</span></h1>
        <span><span class="chip" data-state=${tenant.connectionState}>socket ${tenant.connectionState}</span>
          <button class="plain" @click=${this.signOut}>Sign out</button></span>
      </header>
      ${tenant.problem ? html`<p class="error" role="alert">${tenant.problem}</p>` : nothing}
      <div class="body" @moderate-image=${(event: CustomEvent<{ urlId: string }>) => void this.moderate(event.detail.urlId)}>
      <div class="history">
      <h2>Today (${today?.day ?? utcDay()}, UTC)</h2>
      <div class="cards" part="today">
        ${COUNTERS.map((c) => html`<div class="card" data-counter=${c.key}>
          <div class="value" title=${today ? today[c.key].toLocaleString('en') : ''}>${today ? c.format(today[c.key]) : '…'}</div>
          <div class="label">${c.label} <code>${c.key}</code></div>
          <div class="meaning">${c.meaning}</div>
        </div>`)}
      </div>
      <h2>Last ${CHART_DAYS} days</h2>
      <div class="charts" part="charts">
        ${COUNTERS.map((c) => html`<usage-chart data-counter=${c.key} label=${`${c.label} (${c.key})`} .format=${c.format} .points=${days.map((d) => ({ day: d.day, value: d[c.key] }))}></usage-chart>`)}
      </div>
      </div>
      <div class="columns now">
        <section aria-labelledby="live-heading">
          <h2 id="live-heading">Live now</h2>
          <div class="cards" part="live">
            <div class="card" data-live="connections"><div class="value">${tenant.live?.connections ?? '…'}</div><div class="label">connections</div></div>
            <div class="card" data-live="images"><div class="value">${tenant.live?.watchedImages ?? '…'}</div><div class="label">watched images</div></div>
          </div>
          ${this.renderLiveImages(tenant)}
          <h2>Top images, last ${CHART_DAYS} days</h2>
          <p class="muted">Live numbers are each node's latest report (every few seconds); the page reads them every ${REFRESH_SECONDS} s.</p>
          ${this.renderTopImages(tenant)}
        </section>
        <section part="feed" aria-labelledby="feed-heading">
          <h2 id="feed-heading">Live moderation feed <span class="chip" data-state=${tenant.feedState}>${tenant.feedState}</span></h2>
          ${tenant.feedState === 'refused' ? html`<p class="error" role="alert">The server refused the feed for this secret.</p>` : nothing}
          <moderation-feed .tenantId=${tenant.credentials.tenantId} .items=${tenant.feed}
            @feed-delete=${(event: CustomEvent<FeedItem>) => void tenant.remove(event.detail)}></moderation-feed>
        </section>
      </div>
      <div class="rest">
      <section part="stored" aria-labelledby="stored-heading">
        <h2 id="stored-heading">Moderation of what is stored</h2>
        <p class="muted">Every image and comment kept for this tenant. Deleting or resolving here reaches every open page live.</p>
        <moderation-browser .credentials=${tenant.credentials}></moderation-browser>
      </section>
      <section part="rules" aria-labelledby="rules-heading">
        <h2 id="rules-heading">Rules</h2>
        <p class="muted">Who may write and resolve on your images, and how readers may sign in. A saved change applies on every node at once.</p>
        <rules-panel .credentials=${tenant.credentials}></rules-panel>
      </section>
      <section part="webhooks" aria-labelledby="webhooks-heading">
        <h2 id="webhooks-heading">Webhooks</h2>
        <p class="muted">Your backend hears of every change on your images: a signed POST per event, retried for about a day while it fails.</p>
        <webhooks-panel .credentials=${tenant.credentials}></webhooks-panel>
      </section>
      </div>
      </div>`;
  }

  /** Images viewed now and by how many people: the presence count the widgets show, merged over the nodes. */
  private renderLiveImages(tenant: TenantController) {
    const images = tenant.live?.images ?? [];
    if (images.length === 0) return nothing;
    return html`<table part="live-images">
      <thead><tr><th>Viewed now</th><th class="num">People</th></tr></thead>
      <tbody>${images.map((image) => html`<tr data-live-image=${image.urlId}><td class="image">${this.imageName(tenant.credentials.tenantId, image.urlId)}</td><td class="num">${image.viewers.toLocaleString('en')}</td></tr>`)}</tbody>
    </table>`;
  }

  private renderTopImages(tenant: TenantController) {
    const images = tenant.top?.images ?? [];
    if (images.length === 0) return html`<p class="muted">No traffic yet.</p>`;
    return html`<table>
      <thead><tr><th>Image</th><th class="num">Messages</th><th class="num">Bandwidth</th></tr></thead>
      <tbody>${images.map((image) => html`<tr><td class="image">${this.imageName(tenant.credentials.tenantId, image.urlId)}</td><td class="num">${image.pubSubMessageCount.toLocaleString('en')}</td><td class="num">${formatBytes(image.pubSubBandwidth)}</td></tr>`)}</tbody>
    </table>`;
  }

  /** The image's id opens it in the moderation view; an image with a page of its own also links there. */
  private imageName(tenantId: string, urlId: string) {
    const link = imageLink(tenantId, urlId);
    return html`<button class="link" data-moderate=${urlId} @click=${() => void this.moderate(urlId)}>${urlId}</button>${link
      ? html` <a href=${link} target="_blank" rel="noopener noreferrer" aria-label=${`Open ${urlId} in a new tab`}>↗</a>` : nothing}`;
  }

  /** Opens the image in "Moderation of what is stored" and brings that into view. */
  private async moderate(urlId: string): Promise<void> {
    const browser = this.renderRoot.querySelector('moderation-browser');
    if (!browser) return;
    await browser.show(urlId);
    browser.scrollIntoView({ block: 'start' });
  }

  private async signIn(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const credentials: Credentials = { tenantId: String(form.get('tenantId') ?? '').trim(), secret: String(form.get('secret') ?? '').trim() };
    this._signingIn = true;
    this._signInError = '';
    try {
      // One call checks the pair before anything is kept.
      await new TenantApi(credentials).live();
      saveCredentials(credentials);
      this.open(credentials);
    } catch (error) {
      this._signInError = error instanceof ApiError && (error.status === 401 || error.status === 403)
        ? 'That tenant id and secret do not match.'
        : `Could not sign in: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this._signingIn = false;
    }
  }

  private open(credentials: Credentials): void {
    this._tenant = new TenantController(this, credentials, (reason) => this.signOut(undefined, reason));
  }

  private signOut(_event?: Event, reason = ''): void {
    if (this._tenant) this.removeController(this._tenant);
    this._tenant?.hostDisconnected();
    this._tenant = null;
    clearCredentials();
    this._signInError = reason ? `Signed out: ${reason}` : '';
  }
}

declare global {
  interface HTMLElementTagNameMap { 'dashboard-app': DashboardApp }
}
