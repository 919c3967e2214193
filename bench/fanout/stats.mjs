/**
 * The fan-out benchmark's results folded for reporting: phases grouped by server, subscriber count and rate over
 * any number of repeats and runs, and `median [min–max]` formatting. Shared by report.mjs and chart.mjs.
 */

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** `{ median, min, max, n }` of the finite values, or null when there are none. */
export function summary(values) {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return null;
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

/**
 * The results of several runs as one list per server: `{ name, phases, memory }`, each phase and memory entry
 * tagged with its run. Runs written before subscriber counts were a list (one count, one memory object) are
 * read too.
 */
export function byServer(runs) {
  const servers = new Map();
  for (const [runIndex, run] of runs.entries()) {
    const count = Array.isArray(run.options.subscribers) ? run.options.subscribers[0] : run.options.subscribers;
    for (const result of run.results) {
      if (!servers.has(result.name)) servers.set(result.name, { name: result.name, phases: [], memory: [] });
      const server = servers.get(result.name);
      server.phases.push(...result.phases.map((p) => ({ subscribers: count, ...p, run: runIndex })));
      const memory = Array.isArray(result.memory) ? result.memory : [{ idle: false, connections: count, ...result.memory }];
      server.memory.push(...memory.map((m) => ({ ...m, run: runIndex })));
    }
  }
  return [...servers.values()];
}

/** The distinct values of `key` over all phases, ascending. */
export const distinct = (servers, key) => [...new Set(servers.flatMap((s) => s.phases.map((p) => p[key])))].sort((a, b) => a - b);

/** The phases of one server at one subscriber count and rate (one per repeat and run). */
export const phasesAt = (server, subscribers, rate) => server.phases.filter((p) => p.subscribers === subscribers && p.rate === rate);

const number = (value, digits) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Milliseconds with the precision they deserve: 1 decimal below 100, whole above. */
export const msDigits = (value) => (Math.abs(value) < 100 ? 1 : 0);

/**
 * `median [min–max]` of the values, or just the value for a single one, or `–`.
 * @param {number[]} values
 * @param {number | ((value: number) => number)} digits decimals, or a function of the median that gives them
 */
export function spread(values, digits = 1, unit = '') {
  const s = summary(values);
  if (!s) return '–';
  const d = typeof digits === 'function' ? digits(s.median) : digits;
  const text = `${number(s.median, d)}${unit}`;
  return s.n === 1 ? text : `${text} [${number(s.min, d)}–${number(s.max, d)}]`;
}
