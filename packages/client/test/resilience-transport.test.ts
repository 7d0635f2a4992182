import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFetchTransport } from '../src/http/fetch-transport.js';
import type { HttpRequest, RetryPolicy, Transport } from '../src/http/transport.js';
import {
  TokenBucket,
  withCircuitBreaker,
  withRateLimit,
  withResilience,
  withRetry,
} from '../src/resilience/index.js';
import { closedPortUrl, type LocalServer, startLocalServer } from './support/local-server.js';

type Step = { status: number; body?: string; headers?: Record<string, string> } | 'destroy';

let server: LocalServer;
let url: string;
let plan: Step[] = [];
let hits = 0;

beforeAll(async () => {
  server = await startLocalServer((req, res) => {
    hits++;
    const step = plan.shift() ?? { status: 200, body: '{"ok":true}' };
    if (step === 'destroy') {
      req.socket.destroy();
      return;
    }
    res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
    res.end(step.body ?? '{}');
  });
  url = `${server.url}/token`;
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  plan = [];
  hits = 0;
});

const base = createFetchTransport({ timeoutSecs: 5 });
const req = (retry: RetryPolicy, target = url): HttpRequest => ({
  method: 'POST',
  url: target,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials',
  endpoint: 'token',
  retry,
});
const fast = { initialDelayMs: 10, jitter: 0 };

describe('withRetry', () => {
  it("'safe' is resent on 5xx and network errors", async () => {
    plan = [{ status: 503 }, 'destroy', { status: 500 }];
    const res = await withRetry(base, fast)(req('safe'));
    expect(res.status).toBe(200);
    expect(hits).toBe(4);
  });

  it("'safe' honours Retry-After on 429 and retries temporarily_unavailable", async () => {
    plan = [
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 400, body: '{"error":"temporarily_unavailable"}' },
    ];
    const start = Date.now();
    const res = await withRetry(base, fast)(req('safe'));
    expect(res.status).toBe(200);
    expect(hits).toBe(3);
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);
  });

  it('gives up after maxRetries and returns the last response; too long Retry-After is not waited', async () => {
    plan = [{ status: 503 }, { status: 503 }, { status: 503 }];
    expect((await withRetry(base, { ...fast, maxRetries: 2 })(req('safe'))).status).toBe(503);
    expect(hits).toBe(3);
    hits = 0;
    plan = [{ status: 503, headers: { 'retry-after': '3600' } }];
    expect((await withRetry(base, fast)(req('safe'))).status).toBe(503);
    expect(hits).toBe(1);
  });

  it("'safe' is not resent after the caller aborted", async () => {
    plan = [{ status: 200, headers: {} }];
    let attempts = 0;
    const slow: Transport = async (r) => {
      attempts++;
      await sleep(50);
      return base(r);
    };
    const controller = new AbortController();
    const pending = withRetry(slow, fast)({ ...req('safe'), signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'NetworkError', retryable: false });
    expect(attempts).toBe(1);
  });

  it("'never' is never resent", async () => {
    plan = [{ status: 503 }];
    expect((await withRetry(base, fast)(req('never'))).status).toBe(503);
    plan = ['destroy'];
    await expect(withRetry(base, fast)(req('never'))).rejects.toMatchObject({ name: 'NetworkError' });
    expect(hits).toBe(2);
  });

  it("'if-not-sent' is resent only after a refused connection", async () => {
    plan = [{ status: 503 }];
    expect((await withRetry(base, fast)(req('if-not-sent'))).status).toBe(503);
    plan = ['destroy'];
    await expect(withRetry(base, fast)(req('if-not-sent'))).rejects.toMatchObject({ name: 'NetworkError' });
    expect(hits).toBe(2);

    // a port nobody listens on: refused, so resent (and refused again each time)
    const closedUrl = `${await closedPortUrl()}/token`;
    let attempts = 0;
    const counting: Transport = (r) => {
      attempts++;
      return base(r);
    };
    await expect(
      withRetry(counting, { ...fast, maxRetries: 2 })(req('if-not-sent', closedUrl)),
    ).rejects.toMatchObject({
      name: 'NetworkError',
    });
    expect(attempts).toBe(3);
  });
});

describe('withCircuitBreaker', () => {
  it('opens after consecutive failures, fails fast with circuit_open, then half-opens', async () => {
    const t = withCircuitBreaker(base, { failureThreshold: 2, resetTimeoutMs: 200 });
    plan = [{ status: 502 }, { status: 502 }];
    expect((await t(req('never'))).status).toBe(502);
    expect((await t(req('never'))).status).toBe(502);
    await expect(t(req('never'))).rejects.toMatchObject({
      name: 'ProviderError',
      code: 'circuit_open',
      retryable: true,
    });
    expect(hits).toBe(2);
    expect(t.breakerState('token')).toBeDefined();
    await sleep(250);
    expect((await t(req('never'))).status).toBe(200);
    expect((await t(req('never'))).status).toBe(200);
    expect(hits).toBe(4);
  });
});

describe('withRateLimit', () => {
  it('token bucket refills over time', () => {
    let now = 0;
    const b = new TokenBucket(2, 1, () => now);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(0);
    expect(b.reserve()).toBe(1000);
    b.cancel();
    now = 1000;
    expect(b.reserve()).toBe(0);
  });

  it('fails with rate_limited without sending when the wait is too long', async () => {
    const t = withRateLimit(base, { limits: { token: { requestsPerMinute: 60, burst: 2 } }, maxWaitMs: 100 });
    await t(req('safe'));
    await t(req('safe'));
    await expect(t(req('safe'))).rejects.toMatchObject({ name: 'ProviderError', code: 'rate_limited' });
    expect(hits).toBe(2);
    const discovery = { ...req('safe'), endpoint: 'discovery' as const, method: 'GET' as const };
    delete discovery.body;
    expect((await t(discovery)).status).toBe(200);
  });

  it('withResilience composes all layers', async () => {
    plan = [{ status: 503 }];
    const t = withResilience(base, { retry: fast });
    expect((await t(req('safe'))).status).toBe(200);
    expect(hits).toBe(2);
  });
});
