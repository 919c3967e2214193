/**
 * The fan-out benchmark's chart as a standalone SVG, drawn here from the results (no browser, no dependency):
 * for each subscriber count, deliveries/s against offered writes/s (with the offered load as a dashed line) and
 * p99 latency against offered writes/s (log scale), one line per server, the median with a min–max whisker.
 */
import { byServer, distinct, phasesAt, summary } from './stats.mjs';

const PANEL_W = 440;
const PANEL_H = 270;
const MARGIN = { left: 64, right: 16, top: 34, bottom: 42 };
const LEGEND_H = 34;
const COLORS = { 'image-chat': '#1f6fd1', raw: '#6b6b6b', 'socket.io': '#d2462f' };
const FALLBACK_COLORS = ['#2a9d5c', '#8e44ad', '#c98a00'];

const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const r1 = (n) => Math.round(n * 10) / 10;

/** `1.5k`, `200k`, `1.2M` for axis labels. */
function short(value) {
  if (value >= 1e6) return `${r1(value / 1e6)}M`;
  if (value >= 1e3) return `${r1(value / 1e3)}k`;
  return String(r1(value));
}

/** A linear y axis from 0 with about five round ticks. */
function linearTicks(max) {
  const step0 = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(step0 || 1));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= step0) ?? step0;
  const top = Math.ceil(max / step) * step || 1;
  const ticks = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(t);
  return { min: 0, max: top, ticks, scale: (v, lo, hi) => lo + ((hi - lo) * v) / top };
}

/** A log10 y axis over whole decades. */
function logTicks(min, max) {
  const lo = Math.floor(Math.log10(Math.max(min, 0.1)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1))));
  const ticks = [];
  for (let d = lo; d <= hi; d += 1) ticks.push(10 ** d);
  return { min: 10 ** lo, max: 10 ** hi, ticks, scale: (v, a, b) => a + ((b - a) * (Math.log10(Math.max(v, 10 ** lo)) - lo)) / (hi - lo) };
}

/**
 * One panel at (x0, y0): `series` is [{ name, color, points: [{ x, median, min, max }] }], x being an index into
 * `rates` (evenly spaced, the rates usually doubling).
 */
function panel(x0, y0, title, yLabel, rates, series, axis, reference) {
  const left = x0 + MARGIN.left;
  const right = x0 + PANEL_W - MARGIN.right;
  const top = y0 + MARGIN.top;
  const bottom = y0 + PANEL_H - MARGIN.bottom;
  const xAt = (i) => (rates.length === 1 ? (left + right) / 2 : left + 14 + ((right - left - 28) * i) / (rates.length - 1));
  const yAt = (v) => axis.scale(v, bottom, top);
  const parts = [`<text x="${x0 + PANEL_W / 2}" y="${y0 + 18}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (const tick of axis.ticks) {
    const y = r1(yAt(tick));
    parts.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`, `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${short(tick)}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#999"/>`, `<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#999"/>`);
  rates.forEach((rate, i) => parts.push(`<text x="${r1(xAt(i))}" y="${bottom + 16}" text-anchor="middle">${rate}</text>`));
  parts.push(`<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle">offered writes/s</text>`);
  parts.push(`<text transform="translate(${x0 + 14} ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  if (reference) {
    const path = rates.map((rate, i) => `${i ? 'L' : 'M'}${r1(xAt(i))} ${r1(yAt(reference(rate)))}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="#999" stroke-dasharray="5 4"/>`);
  }
  for (const [k, { color, points }] of series.entries()) {
    // Each server a few pixels to the side, so that lines which coincide (every server keeping up) stay visible.
    const dodge = (k - (series.length - 1) / 2) * 4;
    const xOf = (p) => xAt(p.x) + dodge;
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${r1(xOf(p))} ${r1(yAt(p.median))}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of points) {
      const x = r1(xOf(p));
      if (p.max > p.min) parts.push(`<line x1="${x}" x2="${x}" y1="${r1(yAt(p.min))}" y2="${r1(yAt(p.max))}" stroke="${color}" stroke-width="1.5"/>`);
      parts.push(`<circle cx="${x}" cy="${r1(yAt(p.median))}" r="3.5" fill="${color}"/>`);
    }
  }
  return parts.join('\n');
}

/**
 * @param {object[]} runs run.mjs's results (its `--json` files)
 * @returns {string} the SVG document
 */
export function renderChart(runs) {
  const servers = byServer(runs);
  const counts = distinct(servers, 'subscribers');
  const rates = distinct(servers, 'rate');
  const color = (name, i) => COLORS[name] ?? FALLBACK_COLORS[i % FALLBACK_COLORS.length];
  const seriesOf = (count, read) => servers.map((server, i) => ({
    name: server.name,
    color: color(server.name, i),
    points: rates.flatMap((rate, x) => {
      const s = summary(phasesAt(server, count, rate).map(read));
      return s ? [{ x, ...s }] : [];
    }),
  }));
  const width = PANEL_W * 2;
  const height = LEGEND_H + PANEL_H * counts.length;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  let legendX = 16;
  servers.forEach((server, i) => {
    parts.push(`<rect x="${legendX}" y="12" width="14" height="4" fill="${color(server.name, i)}"/>`, `<text x="${legendX + 20}" y="18">${esc(server.name)}</text>`);
    legendX += 40 + 8 * server.name.length;
  });
  parts.push(`<line x1="${legendX}" x2="${legendX + 14}" y1="14" y2="14" stroke="#999" stroke-dasharray="5 4"/>`, `<text x="${legendX + 20}" y="18">offered (writes/s × subscribers)</text>`);
  parts.push(`<text x="${width - 12}" y="18" text-anchor="end" fill="#666">median, whisker min–max</text>`);
  counts.forEach((count, row) => {
    const y0 = LEGEND_H + row * PANEL_H;
    const delivered = seriesOf(count, (p) => p.deliveriesPerSecond);
    const p99 = seriesOf(count, (p) => p.p99);
    const maxDelivered = Math.max(count * rates[rates.length - 1], ...delivered.flatMap((s) => s.points.map((p) => p.max)));
    const latencies = p99.flatMap((s) => s.points.flatMap((p) => [p.min, p.max]));
    parts.push(panel(0, y0, `${count.toLocaleString('en-US')} subscribers: deliveries/s`, 'deliveries/s', rates, delivered, linearTicks(maxDelivered), (rate) => rate * count));
    parts.push(panel(PANEL_W, y0, `${count.toLocaleString('en-US')} subscribers: p99 latency`, 'p99 write→delivery (ms, log)', rates, p99, logTicks(Math.min(...latencies), Math.max(...latencies)), null));
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
