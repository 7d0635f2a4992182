import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitState } from 'cockatiel';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpRequest } from '../src/http/transport.js';
import {
  createFetchTransport,
  createOAuth2Client,
  NetworkError,
  withCircuitBreaker,
  withRateLimit,
  withRetry,
} from '../src/index.js';
import { withConcurrencyLimit } from '../src/resilience/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

let server: LocalServer;
afterEach(async () => {
  await server.close();
});

/** A provider that answers every request after `delayMs`. */
async function slowProvider(delayMs: number) {
  server = await startLocalServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), delayMs);
  });
  return server;
}

const request = (url: string, signal?: AbortSignal): HttpRequest => ({
  method: 'POST',
  url: `${url}/token`,
  headers: {},
  body: 'grant_type=client_credentials',
  endpoint: 'token',
  retry: 'never',
  ...(signal ? { signal } : {}),
});

describe('circuit breaker and the caller’s own abort signal', () => {
  it('requests the caller aborted are not provider failures: they never open the circuit', async () => {
    const { url } = await slowProvider(200);
    const transport = withCircuitBreaker(createFetchTransport({ timeoutSecs: 5 }));
    for (let i = 0; i < 6; i++) {
      const error = await transport(request(url, AbortSignal.timeout(20))).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ code: 'aborted', retryable: false });
    }
    expect(transport.breakerState('token')).toBe(CircuitState.Closed);
    expect((await transport(request(url))).status).toBe(200);
  });

  it('the transport’s own timeouts still count (the provider is too slow)', async () => {
    const { url } = await slowProvider(1500);
    const transport = withCircuitBreaker(createFetchTransport({ timeoutSecs: 0.05 }), {
      failureThreshold: 2,
    });
    for (let i = 0; i < 2; i++) {
      await expect(transport(request(url))).rejects.toMatchObject({ code: 'timeout' });
    }
    expect(transport.breakerState('token')).toBe(CircuitState.Open);
  });
});

/** A provider answering 503 with `Retry-After: 20` to every request. */
async function unavailableProvider() {
  server = await startLocalServer((_req, res) => {
    res
      .writeHead(503, { 'retry-after': '20', 'content-type': 'application/json' })
      .end('{"error":"temporarily_unavailable"}');
  });
  return server;
}

const safeRequest = (url: string, signal: AbortSignal): HttpRequest => ({
  method: 'GET',
  url: `${url}/jwks`,
  headers: {},
  endpoint: 'jwks',
  retry: 'safe',
  signal,
});

/** Runs `call`, returning what it rejected with and after how many ms. */
async function timed(call: () => Promise<unknown>) {
  const started = Date.now();
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: Date.now() - started };
}

describe('the caller’s abort signal ends every wait of the resilience layers', () => {
  it('a Retry-After wait (20 s) ends when the signal fires, and nothing more is sent', async () => {
    const { url } = await unavailableProvider();
    const client = createOAuth2Client({
      clientId: 'id',
      clientSecret: 's',
      tokenEndpoint: `${url}/token`,
      introspectionEndpoint: `${url}/introspect`,
    });
    const { error, ms } = await timed(() =>
      client.introspection().introspect({ token: 'x', signal: AbortSignal.timeout(200) }),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'aborted', retryable: false });
    expect(ms).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it('a retry backoff ends when the signal fires', async () => {
    const { url } = await slowProvider(0);
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw new NetworkError('no response', { code: 'network_error', retryable: true });
    };
    const transport = withRetry(failing, { initialDelayMs: 10_000, jitter: 0 });
    const { error, ms } = await timed(() => transport(safeRequest(url, AbortSignal.timeout(100))));
    expect(error).toMatchObject({ name: 'NetworkError', code: 'aborted' });
    expect(ms).toBeLessThan(2_000);
    expect(attempts).toBe(1);
  });

  it('a wait for a rate-limit permit ends when the signal fires', async () => {
    const { url } = await slowProvider(0);
    const transport = withRateLimit(createFetchTransport(), {
      limits: { jwks: { requestsPerMinute: 2, burst: 1 } },
      maxWaitMs: 60_000,
    });
    await transport(safeRequest(url, AbortSignal.timeout(5_000))); // takes the only permit
    const { error, ms } = await timed(() => transport(safeRequest(url, AbortSignal.timeout(100)))); // ~30 s wait
    expect(error).toMatchObject({ name: 'NetworkError', code: 'aborted' });
    expect(ms).toBeLessThan(2_000);
    expect(server.requests).toHaveLength(1);
  });

  it('a request queued behind the concurrency limit leaves the queue when the signal fires, never sent', async () => {
    const { url } = await slowProvider(500);
    const transport = withConcurrencyLimit(createFetchTransport(), 1);
    const first = transport(safeRequest(url, AbortSignal.timeout(5_000)));
    const { error, ms } = await timed(() => transport(safeRequest(url, AbortSignal.timeout(50))));
    expect(error).toMatchObject({ name: 'NetworkError', code: 'aborted' });
    expect(ms).toBeLessThan(400); // before the first request (500 ms) frees the slot
    expect((await first).status).toBe(200);
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });
});
