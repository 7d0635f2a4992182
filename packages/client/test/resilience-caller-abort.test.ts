import { CircuitState } from 'cockatiel';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpRequest } from '../src/http/transport.js';
import { createFetchTransport, NetworkError, withCircuitBreaker } from '../src/index.js';
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
