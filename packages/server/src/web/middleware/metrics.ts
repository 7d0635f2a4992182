import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../infra/metrics.js';

interface RouteSeries {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}

/** At most this many (method, route, status) series are memoised; routes are a fixed set, so it is never reached. */
const MAX_SERIES = 1_000;

export function installMetrics(app: FastifyInstance, metrics: Metrics): void {
  // prom-client hashes the label set on every inc()/observe(); the labelled children are looked up once
  // per (method, route, status) instead, which keeps this hook off the request's CPU profile.
  const series = new Map<string, RouteSeries>();
  const seriesFor = (method: string, route: string, status: string): RouteSeries => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (found === undefined) {
      found = {
        requests: metrics.httpRequests.labels({ method, route, status }),
        duration: metrics.httpDuration.labels({ method, route, status }),
      };
      if (series.size < MAX_SERIES) series.set(key, found);
    }
    return found;
  };
  app.addHook('onResponse', (req, reply, done) => {
    const s = seriesFor(req.method, req.routeOptions.url ?? 'unmatched', String(reply.statusCode));
    s.requests.inc();
    s.duration.observe(reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
