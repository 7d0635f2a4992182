import { NetworkError } from '../errors/index.js';
import type { HttpResponse, RetryPolicy } from '../http/transport.js';

/** True when an error (or anything in its cause chain) is a refused connection: the request never left. */
export function isConnectionRefused(error: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
    queue.push((e as { cause?: unknown }).cause);
    if (e instanceof AggregateError) queue.push(...e.errors);
  }
  return false;
}

/** May this failed attempt be sent again under `policy`? */
export function isRetryableError(policy: RetryPolicy, error: unknown): boolean {
  if (policy === 'never') return false;
  if (policy === 'if-not-sent') return isConnectionRefused(error);
  // a NetworkError the transport marked retryable: timeout or no response (never a caller's abort)
  return error instanceof NetworkError && error.retryable;
}

/** Does this response show a transient provider failure (5xx, 429, `temporarily_unavailable`)? */
export function isTransientResponse(response: HttpResponse): boolean {
  if (response.status >= 500 || response.status === 429) return true;
  if (response.status === 400 || response.status === 401) {
    return (
      response.body.includes('temporarily_unavailable') &&
      errorField(response.body) === 'temporarily_unavailable'
    );
  }
  return false;
}

/** May a response be answered by sending the request again under `policy`? Only `safe` requests are. */
export function isRetryableResponse(policy: RetryPolicy, response: HttpResponse): boolean {
  return policy === 'safe' && isTransientResponse(response);
}

/** Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), when present and valid. */
export function retryAfterSecs(response: HttpResponse, now = Date.now()): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

function errorField(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)['error']
      : undefined;
  } catch {
    return undefined;
  }
}
