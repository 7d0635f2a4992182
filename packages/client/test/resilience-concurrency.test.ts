import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../src/http/transport.js';
import { withConcurrencyLimit, withResilience } from '../src/resilience/index.js';

const request: HttpRequest = {
  method: 'GET',
  url: 'http://127.0.0.1/x',
  headers: {},
  endpoint: 'jwks',
  retry: 'safe',
};

/** A transport that records how many calls are in flight at once. */
function slowTransport() {
  let inFlight = 0;
  let peak = 0;
  const transport = async (): Promise<HttpResponse> => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(5);
    inFlight--;
    return { status: 200, headers: new Headers(), body: '{}' };
  };
  return { transport, peak: () => peak };
}

describe('concurrency limit', () => {
  it('keeps at most N requests in flight and completes every one', async () => {
    const t = slowTransport();
    const limited = withConcurrencyLimit(t.transport, 3);
    const results = await Promise.all(Array.from({ length: 20 }, () => limited(request)));
    expect(results).toHaveLength(20);
    expect(t.peak()).toBe(3);
  });

  it('is on by default in the resilience stack at 10', async () => {
    const t = slowTransport();
    const stack = withResilience(t.transport, { retry: false, circuitBreaker: false, rateLimit: false });
    await Promise.all(Array.from({ length: 30 }, () => stack(request)));
    expect(t.peak()).toBe(10);
  });
});
