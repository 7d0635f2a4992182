import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../infra/metrics.js';

/** `GET /metrics`: Prometheus exposition of this node's metrics. */
export function metricsRoute(metrics: Metrics) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/metrics', async (_req, reply) => {
      return reply
        .header('content-type', metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    });
  };
}
