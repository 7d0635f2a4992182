import { bulkhead } from 'cockatiel';
import type { HttpRequest, HttpResponse, Transport } from '../http/transport.js';

/**
 * At most `maxConcurrent` requests in flight at once (seed §8.1: 10); the rest wait in line, in order.
 * A cockatiel bulkhead with an unbounded queue: callers are delayed, never rejected.
 */
export function withConcurrencyLimit(transport: Transport, maxConcurrent: number): Transport {
  const gate = bulkhead(maxConcurrent, Number.POSITIVE_INFINITY);
  return (request: HttpRequest): Promise<HttpResponse> => gate.execute(() => transport(request));
}
