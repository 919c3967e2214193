/** `<usage-chart>`: one counter over the last days as an inline SVG bar chart (no chart library). */
import { LitElement, css, html, svg, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';

interface ChartPoint { day: string; value: number }

const WIDTH = 300;
const HEIGHT = 130;
const TOP = 8;
const BOTTOM = 18;
/** Room for the y-axis labels. */
const LEFT = 44;

/** `2026-12-04` as `4 Dec`, the way the axis names days. */
const dayLabel = (day: string): string => new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

/** The days the x-axis names: the first, every seventh, and the last (today). */
const labelledDays = (count: number): Set<number> => new Set([0, ...Array.from({ length: Math.floor((count - 1) / 7) }, (_v, i) => (i + 1) * 7).filter((i) => i < count - 3), count - 1]);

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
    line.grid { stroke: var(--dashboard-border, #ccc); stroke-width: 0.5; }
    text { font: 9px system-ui, sans-serif; fill: var(--dashboard-muted, #4b5563); }
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
    const slot = (WIDTH - LEFT) / Math.max(1, this.points.length);
    const total = this.points.reduce((sum, p) => sum + p.value, 0);
    const top = total === 0 ? 0 : max;
    const labelled = labelledDays(this.points.length);
    // Gridlines at 0, half and the top, each labelled, so one day's bar can be read off the axis.
    const ticks = top === 0 ? [0] : [0, top / 2, top];
    return html`<figure>
      <figcaption><span>${this.label}</span><span>total ${this.format(total)}</span></figcaption>
      <svg part="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${this.label}, last ${this.points.length} days: total ${this.format(total)}, most on one day ${this.format(top)}">
        ${ticks.map((tick) => {
          const y = TOP + plot - (top === 0 ? 0 : (tick / top) * plot);
          return svg`<line class="grid" x1="${LEFT}" x2="${WIDTH}" y1="${y}" y2="${y}"></line>
            <text class="y" x="${LEFT - 4}" y="${y + 3}" text-anchor="end">${this.format(Math.round(tick))}</text>`;
        })}
        ${this.points.map((point, index) => {
          const height = point.value === 0 ? 0 : Math.max(1, (point.value / max) * plot);
          const x = LEFT + index * slot;
          return svg`<rect class="bar ${index === this.points.length - 1 ? 'today' : ''}" data-day="${point.day}" data-value="${point.value}"
            x="${x + slot * 0.15}" width="${slot * 0.7}" y="${TOP + plot - height}" height="${height}">
            <title>${point.day}: ${this.format(point.value)}</title></rect>
            ${!labelled.has(index) ? nothing : index === this.points.length - 1
              ? svg`<text class="x" x="${WIDTH}" y="${HEIGHT - 4}" text-anchor="end">today</text>`
              : svg`<text class="x" x="${x + slot / 2}" y="${HEIGHT - 4}" text-anchor="middle">${dayLabel(point.day)}</text>`}`;
        })}
      </svg>
    </figure>`;
  }
}

declare global {
  interface HTMLElementTagNameMap { 'usage-chart': UsageChart }
}
