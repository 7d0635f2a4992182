import { DelegateBackoff, handleWhen, type IRetryBackoffContext, retry } from 'cockatiel';
import type { HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { isRetryableError, isRetryableResponse, retryAfterSecs } from './classify.js';

/** Retry settings (seed §8.3). */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** First backoff. Default 500 ms, doubled per attempt. */
  initialDelayMs?: number;
  /** Largest backoff. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Random spread of each backoff, as a fraction. Default 0.1 (±10 %). */
  jitter?: number;
  /** A `Retry-After` longer than this is not waited for: the response is returned as is. Default 60. */
  maxRetryAfterSecs?: number;
}

/**
 * Wraps a transport with retries that honour each request's {@link HttpRequest.retry} policy:
 * `never` is sent once; `if-not-sent` is resent only after a refused connection; `safe` is resent after
 * network errors, timeouts, 5xx, 429 and `temporarily_unavailable`, waiting for `Retry-After` when sent.
 */
export function withRetry(transport: Transport, options: RetryOptions = {}): Transport {
  const maxRetries = options.maxRetries ?? 3;
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const jitter = options.jitter ?? 0.1;
  const maxRetryAfterMs = (options.maxRetryAfterSecs ?? 60) * 1000;

  const delayFor = (ctx: IRetryBackoffContext<unknown>): number => {
    if ('value' in ctx.result) {
      const secs = retryAfterSecs(ctx.result.value as HttpResponse);
      if (secs !== undefined) return secs * 1000;
    }
    const base = Math.min(max, initial * 2 ** (ctx.attempt - 1));
    return Math.max(0, Math.round(base * (1 + (Math.random() * 2 - 1) * jitter)));
  };

  return async (request: HttpRequest): Promise<HttpResponse> => {
    if (request.retry === 'never' || maxRetries <= 0) return transport(request);
    const policy = retry(
      handleWhen((error) => isRetryableError(request.retry, error)).orWhenResult(
        (result) =>
          isRetryableResponse(request.retry, result as HttpResponse) &&
          (retryAfterSecs(result as HttpResponse) ?? 0) * 1000 <= maxRetryAfterMs,
      ),
      { maxAttempts: maxRetries, backoff: new DelegateBackoff(delayFor) },
    );
    return policy.execute(
      ({ signal }) => transport(signal === request.signal ? request : request),
      request.signal,
    );
  };
}
