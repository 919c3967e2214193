/** `GET /metrics`: this node's Prometheus metrics. */
import type { PrometheusMetrics } from '../metering/prometheus.js';
import type { Route } from './router.js';

export function metricsRoutes(metrics: PrometheusMetrics): Route[] {
  return [{
    method: 'GET',
    path: '/metrics',
    handler: async (_request, response) => {
      const { contentType, body } = await metrics.scrape();
      response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      response.end(body);
    },
  }];
}
