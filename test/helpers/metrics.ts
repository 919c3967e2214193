/**
 * Reads a node's own Prometheus registry, the way /metrics reports it: tests assert what an operator would
 * see instead of keeping counters in product code for them.
 * @example
 * expect(await metricValue(server, 'imagechat_budget_refusals_total', { budget: 'person-writes' })).toBe(3);
 */
import type { PrometheusMetrics } from '../../server/metering/prometheus.js';

/** The value of a counter or gauge series whose labels include `labels`; 0 when no such series exists yet. */
export async function metricValue(node: { metrics: PrometheusMetrics }, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = node.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  const series = values.find((value) => Object.entries(labels).every(([label, expected]) => String(value.labels[label]) === expected));
  return series?.value ?? 0;
}
