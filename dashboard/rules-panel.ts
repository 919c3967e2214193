/**
 * `<rules-panel>`: the signed-in tenant's rules (docs/sso.md#rules) — who may write, who may resolve, whether
 * presence is on and shows names, simple SSO and the login URL — read with `GET /api/v1/tenants/:id/rules` and changed with
 * `PUT` on the same path, which every node applies at once. The server validates; its message is shown as is.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ResolvePolicy, TenantRules, WritePolicy } from '../shared/index.js';
import { ApiError, TenantApi, type Credentials } from './api.js';

const WRITE_CHOICES: { value: WritePolicy; label: string; hint: string }[] = [
  { value: 'anyone', label: 'Anyone', hint: 'guests too' },
  { value: 'sso-only', label: 'Signed-in readers only', hint: 'others read live and see "Sign in to comment"' },
  { value: 'nobody', label: 'Nobody', hint: 'read-only; moderators can still delete and resolve' },
];

const RESOLVE_CHOICES: { value: ResolvePolicy; label: string }[] = [
  { value: 'anyone', label: 'Anyone' },
  { value: 'authors-and-moderators', label: 'The marker\'s author and moderators' },
];

/** The rules the form shows, as they would be saved. */
function rulesFromForm(form: HTMLFormElement): TenantRules {
  const data = new FormData(form);
  const loginUrl = String(data.get('loginUrl') ?? '').trim();
  return {
    write: String(data.get('write')) as WritePolicy,
    resolve: String(data.get('resolve')) as ResolvePolicy,
    presence: data.get('presence') === 'on',
    presenceNames: data.get('presenceNames') === 'on',
    simpleSso: data.get('simpleSso') === 'on',
    loginUrl: loginUrl === '' ? null : loginUrl,
  };
}

/** The rules that differ between `before` and `after`: a PUT changes only what the tenant changed here. */
function changedRules(before: TenantRules, after: TenantRules): Partial<TenantRules> {
  const keys = Object.keys(after) as (keyof TenantRules)[];
  return Object.fromEntries(keys.filter((key) => before[key] !== after[key]).map((key) => [key, after[key]]));
}

const describeError = (error: unknown): string =>
  error instanceof ApiError ? error.message : error instanceof Error ? error.message : String(error);

/**
 * @example
 * <rules-panel .credentials=${{ tenantId: 'acme', secret: 'ics_…' }}></rules-panel>
 *
 * @fires rules-changed - the rules were saved; `detail` is the TenantRules as stored
 * @csspart form - the form
 * @csspart status - "Saved." or the server's refusal
 */
@customElement('rules-panel')
export class RulesPanel extends LitElement {
  static override styles = css`
    :host { display: block; }
    form { display: grid; gap: 0.9rem; max-width: 40rem; }
    fieldset { border: 1px solid var(--dashboard-border, #e5e7eb); border-radius: 8px; padding: 0.5rem 0.9rem 0.7rem; margin: 0; display: grid; gap: 0.35rem; }
    legend { font-weight: 600; padding: 0 0.3rem; }
    label { display: flex; gap: 0.5rem; align-items: baseline; }
    label.field { display: grid; gap: 0.25rem; font-weight: 600; }
    input[type='url'] { font: inherit; padding: 0.45rem 0.6rem; border: 1px solid #cbd5e1; border-radius: 6px; font-weight: normal; }
    .hint { color: var(--dashboard-muted, #6b7280); font-size: 0.85rem; font-weight: normal; }
    .actions { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
    button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 6px; border: 1px solid #2563eb; background: #2563eb; color: #fff; cursor: pointer; }
    button:disabled { opacity: 0.6; cursor: default; }
    .error { color: #b91c1c; margin: 0; }
    .saved { color: #166534; margin: 0; }
  `;

  /** The signed-in tenant; the rules are (re)loaded when it changes. */
  @property({ attribute: false }) credentials: Credentials | null = null;

  /** The rules as the server last answered them; null until loaded. */
  @state() private _rules: TenantRules | null = null;
  @state() private _loadError = '';
  @state() private _saving = false;
  @state() private _outcome: { ok: boolean; text: string } | null = null;
  private _api: TenantApi | null = null;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('credentials')) return;
    this._api = this.credentials ? new TenantApi(this.credentials) : null;
    this._rules = null;
    this._outcome = null;
    void this.load();
  }

  private async load(): Promise<void> {
    const api = this._api;
    if (!api) return;
    this._loadError = '';
    try {
      const { rules } = await api.rules();
      if (api === this._api) this._rules = rules;
    } catch (error) {
      if (api === this._api) this._loadError = `Could not load the rules: ${describeError(error)}`;
    }
  }

  override render() {
    if (this._loadError) {
      return html`<p class="error" role="alert">${this._loadError}</p><button type="button" @click=${() => void this.load()}>Try again</button>`;
    }
    const rules = this._rules;
    if (!rules) return html`<p class="hint" role="status">Loading the rules…</p>`;
    return html`<form part="form" novalidate @submit=${this.save} aria-busy=${this._saving ? 'true' : 'false'}>
      <fieldset>
        <legend>Who may write</legend>
        ${WRITE_CHOICES.map((choice) => html`<label><input type="radio" name="write" value=${choice.value} .checked=${rules.write === choice.value}>
          ${choice.label} <span class="hint">${choice.hint}</span></label>`)}
      </fieldset>
      <fieldset>
        <legend>Who may resolve and reopen threads</legend>
        ${RESOLVE_CHOICES.map((choice) => html`<label><input type="radio" name="resolve" value=${choice.value} .checked=${rules.resolve === choice.value}>
          ${choice.label}</label>`)}
      </fieldset>
      <fieldset>
        <legend>Readers</legend>
        <label><input type="checkbox" name="presence" .checked=${rules.presence} aria-describedby="presence-hint">
          Presence <span class="hint" id="presence-hint">show who is viewing an image and who is typing</span></label>
        <label><input type="checkbox" name="presenceNames" .checked=${rules.presenceNames} aria-describedby="presence-names-hint">
          Presence shows names <span class="hint" id="presence-names-hint">off: only how many are viewing</span></label>
        <label><input type="checkbox" name="simpleSso" .checked=${rules.simpleSso} aria-describedby="simple-hint">
          Simple SSO <span class="hint" id="simple-hint">take unsigned names from the page, shown as unverified</span></label>
      </fieldset>
      <label class="field">Login URL
        <input type="url" name="loginUrl" .value=${rules.loginUrl ?? ''} placeholder="https://your-site.example/login" aria-describedby="login-hint">
        <span class="hint" id="login-hint">Linked from "Sign in to comment". https (http only for localhost); empty for none.</span></label>
      <div class="actions">
        <button type="submit" ?disabled=${this._saving}>${this._saving ? 'Saving…' : 'Save rules'}</button>
        ${this._outcome
          ? html`<p part="status" class=${this._outcome.ok ? 'saved' : 'error'} role=${this._outcome.ok ? 'status' : 'alert'}>${this._outcome.text}</p>`
          : nothing}
      </div>
    </form>`;
  }

  private async save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const api = this._api;
    const before = this._rules;
    if (!api || !before || this._saving) return;
    const change = changedRules(before, rulesFromForm(event.target as HTMLFormElement));
    if (Object.keys(change).length === 0) {
      this._outcome = { ok: true, text: 'Nothing changed.' };
      return;
    }
    this._saving = true;
    this._outcome = null;
    try {
      const { rules } = await api.changeRules(change);
      this._rules = rules;
      this._outcome = { ok: true, text: 'Saved. Every node applies the new rules now.' };
      this.dispatchEvent(new CustomEvent<TenantRules>('rules-changed', { detail: rules, bubbles: true, composed: true }));
    } catch (error) {
      this._outcome = { ok: false, text: `Not saved: ${describeError(error)}` };
    } finally {
      this._saving = false;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap { 'rules-panel': RulesPanel }
}
