import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { HttpRequestMetrics } from './http-request-metrics.js';

export interface Metrics {
  registry: Registry;
  /** `gatehouse_http_requests_total` and `gatehouse_http_request_duration_seconds`, by method, route and status. */
  http: HttpRequestMetrics;
  tokensIssued: Counter<'grant_type'>;
  /** RFC 6749 §5.2 error responses by `error` code (429s appear as `temporarily_unavailable`). */
  oauthErrors: Counter<'error' | 'status'>;
  /** Requests refused by a rate limit: `limit` is `ip` or `client`. */
  rateLimited: Counter<'route' | 'limit'>;
}

export function createMetrics(defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry });
  const http = new HttpRequestMetrics();
  http.register(registry);
  return {
    registry,
    http,
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
