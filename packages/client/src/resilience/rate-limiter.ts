import type { Meter } from '@opentelemetry/api';
import { ProviderError } from '../errors/index.js';
import type { EndpointKind, HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { resolveMeter } from '../telemetry/otel.js';
import { waitUnlessAborted } from './abort.js';

/** Limit of one endpoint kind. */
export interface RateLimit {
  requestsPerMinute: number;
  /** Bucket size: requests that may go out at once. Default `requestsPerMinute`. */
  burst?: number;
}

/** Rate limiter settings. */
export interface RateLimiterOptions {
  /** Per endpoint kind; kinds not listed are not limited. */
  limits: Partial<Record<EndpointKind, RateLimit>>;
  /** Wait at most this long for a permit, else fail with `rate_limited`. Default 5 000 ms. */
  maxWaitMs?: number;
  /** Meter for the `oauth2_rate_limited_total` counter; defaults to the global meter provider. */
  meter?: Meter;
}

/** Default {@link RateLimiterOptions.maxWaitMs}. */
export const DEFAULT_RATE_LIMIT_MAX_WAIT_MS = 5_000;

/** A token bucket: `capacity` permits, refilled continuously at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly capacity: number,
    readonly perSecond: number,
    readonly now: () => number = Date.now,
  ) {
    if (!(capacity >= 1) || !(perSecond > 0)) throw new RangeError('capacity must be ≥ 1 and rate > 0');
    this.#tokens = capacity;
    this.#last = now();
  }

  /** Takes a permit now, or returns how many ms until one is free (and reserves it when taken later). */
  reserve(): number {
    const t = this.now();
    this.#tokens = Math.min(this.capacity, this.#tokens + ((t - this.#last) / 1000) * this.perSecond);
    this.#last = t;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.perSecond) * 1000);
  }

  /** Gives back a reserved permit that will not be used. */
  cancel(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + 1);
  }
}

/**
 * Wraps a transport with a token bucket per endpoint kind. A request waits for a permit when one frees up
 * within `maxWaitMs`; otherwise it fails with `ProviderError` code `rate_limited` without being sent. The
 * request's own `signal` ends the wait (NetworkError `aborted`) and gives the permit back.
 * Counts `oauth2_rate_limited_total{endpoint, source}`: `source="client"` for requests refused here,
 * `source="provider"` for HTTP 429 responses coming back from the provider.
 */
export function withRateLimit(transport: Transport, options: RateLimiterOptions): Transport {
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_RATE_LIMIT_MAX_WAIT_MS;
  const rateLimited = resolveMeter(options.meter === undefined ? {} : { meter: options.meter }).createCounter(
    'oauth2_rate_limited_total',
    { description: 'Requests refused by the client-side rate limiter or answered 429 by the provider' },
  );
  const buckets = new Map<EndpointKind, TokenBucket>();
  for (const [kind, limit] of Object.entries(options.limits) as [EndpointKind, RateLimit | undefined][]) {
    if (limit)
      buckets.set(
        kind,
        new TokenBucket(limit.burst ?? limit.requestsPerMinute, limit.requestsPerMinute / 60),
      );
  }
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const bucket = buckets.get(request.endpoint);
    if (bucket) {
      const waitMs = bucket.reserve();
      if (waitMs > maxWaitMs) {
        bucket.cancel();
        rateLimited.add(1, { endpoint: request.endpoint, source: 'client' });
        throw new ProviderError(`${request.endpoint} client-side rate limit reached`, {
          code: 'rate_limited',
          retryable: true,
          retryAfterSecs: Math.ceil(waitMs / 1000),
        });
      }
      if (waitMs > 0) {
        try {
          await waitUnlessAborted(waitMs, request);
        } catch (error) {
          bucket.cancel(); // the reserved permit goes unused
          throw error;
        }
      }
    }
    const response = await transport(request);
    if (response.status === 429) rateLimited.add(1, { endpoint: request.endpoint, source: 'provider' });
    return response;
  };
}
