import type { Meter } from '@opentelemetry/api';
import type { Transport } from '../http/transport.js';
import { type BreakerTransport, type CircuitBreakerOptions, withCircuitBreaker } from './circuit-breaker.js';
import { withConcurrencyLimit } from './concurrency.js';
import { type RateLimiterOptions, withRateLimit } from './rate-limiter.js';
import { type RetryOptions, withRetry } from './retry.js';

export {
  type BreakerTransport,
  type CircuitBreakerOptions,
  WindowedRecoveryBreaker,
  withCircuitBreaker,
} from './circuit-breaker.js';
export { withConcurrencyLimit } from './concurrency.js';
export {
  DEFAULT_RATE_LIMIT_MAX_WAIT_MS,
  type RateLimit,
  type RateLimiterOptions,
  TokenBucket,
  withRateLimit,
} from './rate-limiter.js';
export { DEFAULT_RETRY, ifNotSentRetryBudget, type RetryOptions, withRetry } from './retry.js';

/** Settings of {@link withResilience}; `false` turns a layer off. */
export interface ResilienceOptions {
  retry?: RetryOptions | false;
  circuitBreaker?: CircuitBreakerOptions | false;
  rateLimit?: RateLimiterOptions | false;
  /** Most requests in flight at once; default 10, `false` for no limit. */
  maxConcurrent?: number | false;
  /** Meter for the breaker and rate-limit metrics, unless set in their own options. */
  meter?: Meter;
}

/** Default client-side rate limits per endpoint kind. */
export const DEFAULT_RATE_LIMITS: RateLimiterOptions = {
  limits: {
    token: { requestsPerMinute: 60 },
    authorization: { requestsPerMinute: 30 },
    introspection: { requestsPerMinute: 60 },
    revocation: { requestsPerMinute: 30 },
  },
};

/**
 * Wraps a transport in the resilience stack: rate limiter → concurrency limit → circuit breaker → retry →
 * transport. A whole retried exchange counts as one success or failure for the breaker.
 */
export function withResilience(transport: Transport, options: ResilienceOptions = {}): Transport {
  let t = options.retry === false ? transport : withRetry(transport, options.retry);
  const meter = options.meter === undefined ? {} : { meter: options.meter };
  if (options.circuitBreaker !== false)
    t = withCircuitBreaker(t, { ...meter, ...options.circuitBreaker }) satisfies BreakerTransport;
  if (options.maxConcurrent !== false) t = withConcurrencyLimit(t, options.maxConcurrent ?? 10);
  if (options.rateLimit !== false)
    t = withRateLimit(t, { ...meter, ...(options.rateLimit ?? DEFAULT_RATE_LIMITS) });
  return t;
}
