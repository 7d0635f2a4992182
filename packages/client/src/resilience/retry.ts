import { DelegateBackoff, handleWhen, type IRetryBackoffContext, retry } from 'cockatiel';
import type { HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { waitUnlessAborted } from './abort.js';
import { isRetryableError, isRetryableResponse, retryAfterSecs } from './classify.js';

/** Retry settings. */
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

/** Defaults of {@link RetryOptions}. */
export const DEFAULT_RETRY = {
  maxRetries: 3,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.1,
  maxRetryAfterSecs: 60,
} as const satisfies Required<RetryOptions>;

/** Longest backoff before retry `attempt` (1-based): doubled from `initialDelayMs`, capped, without jitter. */
function baseDelayMs(attempt: number, initial: number, max: number): number {
  return Math.min(max, initial * 2 ** (attempt - 1));
}

/**
 * The most a request with policy `if-not-sent` can spend in backoff between attempts (no `Retry-After`
 * wait applies to it), and how many attempts it makes: a budget for locks held around one request.
 */
export function ifNotSentRetryBudget(options: RetryOptions = {}): { attempts: number; backoffMs: number } {
  const maxRetries = Math.max(0, options.maxRetries ?? DEFAULT_RETRY.maxRetries);
  const initial = options.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const jitter = options.jitter ?? DEFAULT_RETRY.jitter;
  let backoffMs = 0;
  for (let attempt = 1; attempt <= maxRetries; attempt++) backoffMs += baseDelayMs(attempt, initial, max);
  return { attempts: maxRetries + 1, backoffMs: Math.ceil(backoffMs * (1 + jitter)) };
}

/**
 * Wraps a transport with retries that honour each request's {@link HttpRequest.retry} policy:
 * `never` is sent once; `if-not-sent` is resent only after a refused connection; `safe` is resent after
 * network errors, timeouts, 5xx, 429 and `temporarily_unavailable`, waiting for `Retry-After` when sent.
 */
export function withRetry(transport: Transport, options: RetryOptions = {}): Transport {
  const maxRetries = options.maxRetries ?? DEFAULT_RETRY.maxRetries;
  const initial = options.initialDelayMs ?? DEFAULT_RETRY.initialDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const jitter = options.jitter ?? DEFAULT_RETRY.jitter;
  const maxRetryAfterMs = (options.maxRetryAfterSecs ?? DEFAULT_RETRY.maxRetryAfterSecs) * 1000;

  const delayFor = (ctx: IRetryBackoffContext<unknown>): number => {
    if ('value' in ctx.result) {
      const secs = retryAfterSecs(ctx.result.value as HttpResponse);
      if (secs !== undefined) return secs * 1000;
    }
    const base = baseDelayMs(ctx.attempt, initial, max);
    return Math.max(0, Math.round(base * (1 + (Math.random() * 2 - 1) * jitter)));
  };

  return async (request: HttpRequest): Promise<HttpResponse> => {
    if (request.retry === 'never' || maxRetries <= 0) return transport(request);
    // cockatiel's own backoff sleep cannot be cancelled, so it is told 0 ms and the wait happens before
    // the next attempt instead, where the caller's signal ends it at once (up to a 60 s Retry-After).
    let waitMs = 0;
    const backoff = new DelegateBackoff((ctx: IRetryBackoffContext<unknown>) => {
      waitMs = delayFor(ctx);
      return 0;
    });
    const policy = retry(
      handleWhen((error) => isRetryableError(request.retry, error)).orWhenResult(
        (result) =>
          isRetryableResponse(request.retry, result as HttpResponse) &&
          (retryAfterSecs(result as HttpResponse) ?? 0) * 1000 <= maxRetryAfterMs,
      ),
      { maxAttempts: maxRetries, backoff },
    );
    return policy.execute(async () => {
      if (waitMs > 0) await waitUnlessAborted(waitMs, request);
      waitMs = 0;
      return transport(request);
    }, request.signal);
  };
}
