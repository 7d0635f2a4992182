import { bulkhead } from 'cockatiel';
import type { HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { untilAborted } from './abort.js';

/**
 * At most `maxConcurrent` requests in flight at once (10 in `withResilience`); the rest wait in line, in
 * order. A cockatiel bulkhead with an unbounded queue: callers are delayed, never rejected. A queued
 * request whose `signal` fires leaves at once with NetworkError `aborted` (cockatiel would only notice
 * when its turn came) and never takes a slot.
 */
export function withConcurrencyLimit(transport: Transport, maxConcurrent: number): Transport {
  const gate = bulkhead(maxConcurrent, Number.POSITIVE_INFINITY);
  return (request: HttpRequest): Promise<HttpResponse> =>
    untilAborted(
      gate.execute(() => transport(request), request.signal),
      request,
    );
}
