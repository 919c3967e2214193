/** `<usage-chart>`: one counter over the last days as an inline SVG bar chart (no chart library). */
import { LitElement, css, html, svg, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';

interface ChartPoint { day: string; value: number }

const WIDTH = 300;
const HEIGHT = 110;
const TOP = 8;
const BOTTOM = 16;

/**
 * @example
 * <usage-chart label="Messages" .points=${[{ day: '2026-11-22', value: 42 }]}></usage-chart>
 *
 * @csspart chart - the `<svg>`
 * @cssprop --usage-chart-bar - bar colour (default #2563eb)
 */
@customElement('usage-chart')
export class UsageChart extends LitElement {
  static override styles = css`
    :host { display: block; }
    figure { margin: 0; }
    figcaption { font-size: 0.85rem; color: var(--dashboard-muted, #555); display: flex; justify-content: space-between; }
    svg { width: 100%; height: auto; display: block; }
    rect.bar { fill: var(--usage-chart-bar, #2563eb); }
    rect.bar.today { fill: var(--usage-chart-today, #16a34a); }
    rect.bar:hover { opacity: 0.75; }
    line { stroke: var(--dashboard-border, #ccc); }
    text { font: 9px system-ui, sans-serif; fill: var(--dashboard-muted, #555); }
  `;

  /** What is counted, e.g. "Messages delivered". */
  @property() label = '';
  /** One point per day, oldest first. */
  @property({ attribute: false }) points: ChartPoint[] = [];
  /** Turns a value into text for tooltips and the axis. */
  @property({ attribute: false }) format: (value: number) => string = (value) => value.toLocaleString('en');

  override render() {
    const max = Math.max(1, ...this.points.map((p) => p.value));
    const plot = HEIGHT - TOP - BOTTOM;
    const slot = WIDTH / Math.max(1, this.points.length);
    const first = this.points[0]?.day;
    const last = this.points.at(-1)?.day;
    const total = this.points.reduce((sum, p) => sum + p.value, 0);
    return html`<figure>
      <figcaption><span>${this.label}</span><span>max ${this.format(max === 1 && total === 0 ? 0 : max)}</span></figcaption>
      <svg part="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${this.label}, last ${this.points.length} days">
        <line x1="0" x2="${WIDTH}" y1="${TOP + plot}" y2="${TOP + plot}"></line>
        ${this.points.map((point, index) => {
          const height = point.value === 0 ? 0 : Math.max(1, (point.value / max) * plot);
          return svg`<rect class="bar ${index === this.points.length - 1 ? 'today' : ''}" data-day="${point.day}" data-value="${point.value}"
            x="${index * slot + slot * 0.15}" width="${slot * 0.7}" y="${TOP + plot - height}" height="${height}">
            <title>${point.day}: ${this.format(point.value)}</title></rect>`;
        })}
        ${first ? svg`<text x="0" y="${HEIGHT - 3}">${first}</text>` : nothing}
        ${last ? svg`<text x="${WIDTH}" y="${HEIGHT - 3}" text-anchor="end">${last}</text>` : nothing}
      </svg>
    </figure>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'usage-chart': UsageChart }
}
