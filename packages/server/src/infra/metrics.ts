import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { HttpRequestMetrics } from './http-request-metrics.js';

export interface Metrics {
  registry: Registry;
  /** `gatehouse_http_requests_total` and `gatehouse_http_request_duration_seconds`, by method, route and status. */
  http: HttpRequestMetrics;
  /** Access tokens issued by the token endpoint, by `grant_type` (the grant's metric label). */
  tokensIssued: Counter<'grant_type'>;
  /** Password sign-ins (login and device pages) by `outcome`: `succeeded`, `failed` or `locked` (refused unchecked). */
  signIns: Counter<'outcome'>;
  /** Lockouts begun: an `account` or an `address` refused for the first time in its window. */
  signInLockouts: Counter<'limit'>;
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
    signIns: zeroed(
      new Counter({
        name: 'gatehouse_sign_ins_total',
        help: 'Password sign-ins by outcome (succeeded, failed, locked)',
        labelNames: ['outcome'] as const,
        registers: [registry],
      }),
      'outcome',
      ['succeeded', 'failed', 'locked'],
    ),
    signInLockouts: zeroed(
      new Counter({
        name: 'gatehouse_sign_in_lockouts_total',
        help: 'Sign-in lockouts begun, by the limit reached (account, address)',
        labelNames: ['limit'] as const,
        registers: [registry],
      }),
      'limit',
      ['account', 'address'],
    ),
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

/** Every series of a counter exposed from the start, at 0: a rate or an alert needs the series before its first event. */
function zeroed<L extends string>(counter: Counter<L>, label: L, values: string[]): Counter<L> {
  for (const value of values) counter.inc({ [label]: value } as Partial<Record<L, string>>, 0);
  return counter;
}
