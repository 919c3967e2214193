/**
 * `<moderation-feed>`: new markers and comments on any of the tenant's images as they happen, newest first,
 * each with a link to its image and a delete button. Text from users is rendered as text only.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { imageLink, type FeedItem } from './feed-model.js';

/**
 * @fires feed-delete - the moderator asked to delete an item; `detail` is the FeedItem
 * @fires moderate-image - the moderator asked to open an item's image in the moderation view; `detail.urlId`
 * @csspart item - each entry; `deleted` is added once it is gone
 * @csspart delete - each delete button
 */
@customElement('moderation-feed')
export class ModerationFeed extends LitElement {
  static override styles = css`
    :host { display: block; }
    ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.5rem; }
    li { border: 1px solid var(--dashboard-border, #ddd); border-radius: 8px; padding: 0.5rem 0.75rem; display: grid; grid-template-columns: 1fr auto; gap: 0.25rem 0.75rem; }
    li.deleted { opacity: 0.55; }
    li.deleted .text { text-decoration: line-through; }
    .meta { font-size: 0.8rem; color: var(--dashboard-muted, #555); }
    .text { white-space: pre-wrap; overflow-wrap: anywhere; }
    button.link { all: unset; color: #1d4ed8; text-decoration: underline; cursor: pointer; overflow-wrap: anywhere; }
    button.link:focus-visible { outline: 2px solid #1d4ed8; outline-offset: 2px; }
    a { color: #1d4ed8; }
    button[part='delete'] { grid-row: span 2; align-self: center; font: inherit; padding: 0.3rem 0.7rem; border-radius: 6px; border: 1px solid #dc2626; background: #fff; color: #b91c1c; cursor: pointer; }
    button[part='delete']:disabled { opacity: 0.5; cursor: default; }
    .error { grid-column: 1 / -1; color: #b91c1c; font-size: 0.8rem; }
    .empty { color: var(--dashboard-muted, #555); }
  `;

  @property() tenantId = '';
  @property({ attribute: false }) items: FeedItem[] = [];

  override render() {
    if (this.items.length === 0) return html`<p class="empty">Nothing yet: new markers and comments appear here as they are made.</p>`;
    return html`<ol aria-live="polite">${repeat(this.items, (item) => item.key, (item) => this.renderItem(item))}</ol>`;
  }

  private renderItem(item: FeedItem) {
    const link = imageLink(this.tenantId, item.urlId);
    const time = new Date(item.at).toISOString().slice(11, 19);
    return html`<li part="item${item.deleted ? ' deleted' : ''}" class=${item.deleted ? 'deleted' : ''} data-chat-id=${item.chatId} data-kind=${item.kind}>
      <div class="meta">${item.kind === 'marker' ? 'New marker' : 'Comment'} by ${item.author} at ${time} UTC on
        <button class="link" data-moderate=${item.urlId} @click=${() => this.dispatchEvent(new CustomEvent('moderate-image', { detail: { urlId: item.urlId }, bubbles: true, composed: true }))}>${item.urlId}</button>${link
          ? html` <a href=${link} target="_blank" rel="noopener noreferrer" aria-label=${`Open ${item.urlId} in a new tab`}>↗</a>` : nothing}</div>
      <button part="delete" ?disabled=${item.deleted || item.deleting}
        aria-label=${`Delete this ${item.kind === 'marker' ? 'marker and its thread' : 'comment'}`}
        @click=${() => this.dispatchEvent(new CustomEvent<FeedItem>('feed-delete', { detail: item, bubbles: true, composed: true }))}>
        ${item.deleted ? 'Deleted' : item.deleting ? 'Deleting…' : 'Delete'}</button>
      <div class="text">${item.text}</div>
      ${item.error ? html`<div class="error" role="alert">${item.error}</div>` : nothing}
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'moderation-feed': ModerationFeed }
}
