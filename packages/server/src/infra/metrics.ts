import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  tokensIssued: Counter<'grant_type'>;
  /** RFC 6749 §5.2 error responses by `error` code (429s appear as `temporarily_unavailable`). */
  oauthErrors: Counter<'error' | 'status'>;
  /** Requests refused by a rate limit: `limit` is `ip` or `client`. */
  rateLimited: Counter<'route' | 'limit'>;
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'gatehouse_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'gatehouse_tokens_issued_total',
      help: 'Access tokens issued',
      labelNames: ['grant_type'] as const,
      registers: [registry],
    }),
    oauthErrors: new Counter({
      name: 'gatehouse_oauth_errors_total',
      help: 'OAuth error responses by error code and HTTP status',
      labelNames: ['error', 'status'] as const,
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'gatehouse_rate_limited_total',
      help: 'Requests refused with 429 by the per-IP or per-client rate limit',
      labelNames: ['route', 'limit'] as const,
      registers: [registry],
    }),
  };
}
