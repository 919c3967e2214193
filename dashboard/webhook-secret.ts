/**
 * `<webhook-secret>`: a webhook endpoint's signing secret, in the one moment the server answers it (after
 * registering or rotating). A clearly marked box with a Copy button; once dismissed it is gone — the dashboard
 * keeps it nowhere (not in storage, not in the list), so it cannot be shown again, only rotated.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';

/**
 * @example
 * <webhook-secret .secret=${'whsec_…'} .endpointUrl=${'https://shop.example/hooks'} .note=${'…'}></webhook-secret>
 *
 * @fires secret-dismissed - the tenant said the secret is stored; the host drops it
 * @csspart secret - the secret's text
 * @csspart copy - the Copy button
 */
@customElement('webhook-secret')
export class WebhookSecret extends LitElement {
  static override styles = css`
    :host { display: block; border: 2px solid #b45309; background: #fffbeb; border-radius: 10px; padding: 0.6rem 0.9rem; margin: 0.75rem 0; }
    h3 { font-size: 1rem; margin: 0 0 0.3rem; color: #92400e; }
    p { margin: 0.3rem 0; }
    code { display: block; font: 0.95rem/1.4 ui-monospace, monospace; background: #fff; border: 1px solid #fcd34d; border-radius: 6px;
      padding: 0.35rem 0.5rem; overflow-wrap: anywhere; user-select: all; }
    .actions { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; margin-top: 0.4rem; }
    button { font: inherit; font-size: 0.85rem; padding: 0.3rem 0.7rem; border-radius: 6px; border: 1px solid #92400e; background: #fff; color: #92400e; cursor: pointer; }
    .meta { font-size: 0.85rem; color: #78350f; overflow-wrap: anywhere; }
  `;

  /** The secret, as the server answered it. */
  @property({ attribute: false }) secret = '';
  /** The endpoint it signs for, shown so the tenant knows which receiver to configure. */
  @property({ attribute: false }) endpointUrl = '';
  /** A sentence about the previous secret, after a rotation. */
  @property({ attribute: false }) note = '';

  @state() private _copied: { ok: boolean; text: string } | null = null;
  @query('button[part="copy"]') private _copyButton!: HTMLButtonElement | null;

  /** Moves focus to the Copy button, so keyboard and screen-reader users land on the secret. */
  override focus(): void {
    void this.updateComplete.then(() => this._copyButton?.focus());
  }

  override render() {
    return html`<section role="region" aria-labelledby="secret-heading">
      <h3 id="secret-heading">Signing secret — shown once</h3>
      <p class="meta">For <span>${this.endpointUrl}</span>. Copy it into your receiver now: the dashboard cannot show it again (rotate to get a new one).</p>
      <code part="secret" id="secret-value">${this.secret}</code>
      ${this.note ? html`<p class="meta">${this.note}</p>` : nothing}
      <div class="actions">
        <button part="copy" type="button" aria-describedby="secret-value" @click=${() => void this.copy()}>Copy secret</button>
        <button type="button" @click=${this.dismiss}>I have stored it</button>
        ${this._copied ? html`<span class="meta" role=${this._copied.ok ? 'status' : 'alert'}>${this._copied.text}</span>` : nothing}
      </div>
    </section>`;
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.secret);
      this._copied = { ok: true, text: 'Copied.' };
    } catch {
      // Clipboard access can be refused (permissions, an insecure origin): leave the secret selected instead.
      const code = this.renderRoot.querySelector('code');
      if (code) getSelection()?.selectAllChildren(code);
      this._copied = { ok: false, text: 'The browser refused the clipboard: the secret is selected, copy it with Ctrl+C.' };
    }
  }

  private dismiss = (): void => {
    this.dispatchEvent(new CustomEvent('secret-dismissed', { bubbles: true, composed: true }));
  };
}

declare global {
  interface HTMLElementTagNameMap { 'webhook-secret': WebhookSecret }
}
