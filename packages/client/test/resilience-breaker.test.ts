import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitState } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { NetworkError } from '../src/errors/index.js';
import type { HttpRequest, HttpResponse, Transport } from '../src/http/transport.js';
import {
  WindowedRecoveryBreaker,
  withCircuitBreaker,
  withRateLimit,
  withResilience,
} from '../src/resilience/index.js';
import { recorder } from './support/telemetry-recorder.js';

type Step = number | 'network' | 'aborted';

/** A transport answering from a script (default 200), counting what reaches the "provider". */
function scripted() {
  const state = { plan: [] as Step[], hits: 0 };
  const transport: Transport = async (): Promise<HttpResponse> => {
    state.hits++;
    const step = state.plan.shift() ?? 200;
    if (step === 'network') throw new NetworkError('connection refused', { code: 'network_error' });
    if (step === 'aborted') throw new NetworkError('aborted by the caller', { code: 'aborted' });
    return { status: step, headers: {}, body: '{}' } as unknown as HttpResponse;
  };
  return { state, transport };
}

const req = (endpoint: HttpRequest['endpoint'] = 'token'): HttpRequest => ({
  method: 'POST',
  url: 'https://idp.example/token',
  headers: {},
  body: 'grant_type=client_credentials',
  endpoint,
  retry: 'never',
});

describe('circuit breaker defaults', () => {
  it('opens after 5 failures (5xx or network) and not before', async () => {
    const { state, transport } = scripted();
    const t = withCircuitBreaker(transport);
    state.plan = [500, 502, 'network', 503, 200, 504];
    for (let i = 0; i < 3; i++) await t(req()).catch(() => undefined);
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
    await t(req());
    // A success in between does not reset the count: it is failures within the window.
    expect((await t(req())).status).toBe(200);
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Open);
    await expect(t(req())).rejects.toMatchObject({ code: 'circuit_open', retryAfterSecs: 30 });
    expect(state.hits).toBe(6);
    // Breakers are per endpoint kind.
    expect((await t(req('introspection'))).status).toBe(200);
  });

  it('only counts failures within the window', async () => {
    const { state, transport } = scripted();
    const t = withCircuitBreaker(transport, { failureThreshold: 2, failureWindowMs: 80 });
    state.plan = [500, 500, 500];
    await t(req());
    await sleep(120);
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Open);
  });

  it('half-opens after the reset timeout and closes only after 3 consecutive successes', async () => {
    const { state, transport } = scripted();
    const t = withCircuitBreaker(transport, { failureThreshold: 2, resetTimeoutMs: 100 });
    state.plan = [500, 500];
    await t(req());
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Open);
    await sleep(60);
    await expect(t(req())).rejects.toMatchObject({ code: 'circuit_open' });
    await sleep(60);
    expect((await t(req())).status).toBe(200);
    expect(t.breakerState('token')).toBe(CircuitState.HalfOpen);
    expect((await t(req())).status).toBe(200);
    expect(t.breakerState('token')).toBe(CircuitState.HalfOpen);
    expect((await t(req())).status).toBe(200);
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
    expect(state.hits).toBe(5);
    // Closed: one failure alone does not open it.
    state.plan = [500];
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
  });

  /** A breaker (2 failures, 80 ms reset) opened by two 5xx and past its reset timeout: the next request probes. */
  async function openedAndDueForProbe() {
    const { state, transport } = scripted();
    const t = withCircuitBreaker(transport, { failureThreshold: 2, resetTimeoutMs: 80 });
    state.plan = [500, 500];
    await t(req());
    await t(req());
    await sleep(120);
    return { state, t };
  }

  it('any failure in half-open reopens the circuit at once', async () => {
    const { state, t } = await openedAndDueForProbe();
    // Probe fails → open again.
    state.plan = [503];
    expect((await t(req())).status).toBe(503);
    expect(t.breakerState('token')).toBe(CircuitState.Open);
    await expect(t(req())).rejects.toMatchObject({ code: 'circuit_open' });
    await sleep(120);
    // Two successes, then a failure before the third → open again.
    state.plan = [200, 200, 'network'];
    await t(req());
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.HalfOpen);
    await expect(t(req())).rejects.toMatchObject({ name: 'NetworkError' });
    expect(t.breakerState('token')).toBe(CircuitState.Open);
    await expect(t(req())).rejects.toMatchObject({ code: 'circuit_open' });
    expect(state.hits).toBe(6);
  });

  it('a half-open probe the caller aborts closes the circuit without counting as a recovery success', async () => {
    const { state, t } = await openedAndDueForProbe();
    state.plan = ['aborted'];
    await expect(t(req())).rejects.toMatchObject({ code: 'aborted' });
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
    // No recovery under way: one failure alone does not reopen it, failureThreshold failures do.
    state.plan = [500, 500];
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Closed);
    await t(req());
    expect(t.breakerState('token')).toBe(CircuitState.Open);
  });

  it('WindowedRecoveryBreaker round-trips its state', () => {
    let now = 0;
    const b = new WindowedRecoveryBreaker(3, 1000, 3, () => now);
    expect(b.failure(CircuitState.Closed)).toBe(false);
    now = 500;
    expect(b.failure(CircuitState.Closed)).toBe(false);
    const copy = new WindowedRecoveryBreaker(3, 1000, 3, () => now);
    copy.state = b.state;
    now = 900;
    expect(copy.failure(CircuitState.Closed)).toBe(true);
    expect(() => new WindowedRecoveryBreaker(0, 1000, 3)).toThrow(RangeError);
  });
});

describe('resilience metrics', () => {
  it('oauth2_circuit_breaker_state reports 0 closed, 1 open, 2 half-open per endpoint', async () => {
    const { state, transport } = scripted();
    const { meter, observe } = recorder();
    const t = withCircuitBreaker(transport, { failureThreshold: 1, resetTimeoutMs: 60, meter });
    expect(await observe('oauth2_circuit_breaker_state')).toEqual([]);
    await t(req('introspection'));
    state.plan = [500];
    await t(req());
    expect(await observe('oauth2_circuit_breaker_state')).toEqual([
      { value: 0, attrs: { endpoint: 'introspection' } },
      { value: 1, attrs: { endpoint: 'token' } },
    ]);
    await sleep(100);
    await t(req());
    expect(await observe('oauth2_circuit_breaker_state')).toContainEqual({
      value: 2,
      attrs: { endpoint: 'token' },
    });
  });

  it('oauth2_rate_limited_total counts client refusals and provider 429s', async () => {
    const { state, transport } = scripted();
    const { meter, points: counts } = recorder();
    const t = withRateLimit(transport, {
      limits: { token: { requestsPerMinute: 60, burst: 2 } },
      maxWaitMs: 10,
      meter,
    });
    state.plan = [429];
    expect((await t(req())).status).toBe(429);
    await t(req());
    await expect(t(req())).rejects.toMatchObject({ code: 'rate_limited' });
    expect(counts).toEqual([
      { name: 'oauth2_rate_limited_total', value: 1, attrs: { endpoint: 'token', source: 'provider' } },
      { name: 'oauth2_rate_limited_total', value: 1, attrs: { endpoint: 'token', source: 'client' } },
    ]);
  });

  it('withResilience passes its meter to both layers', async () => {
    const { transport } = scripted();
    const { meter, observe } = recorder();
    const t = withResilience(transport, { retry: false, meter });
    await t(req());
    expect(await observe('oauth2_circuit_breaker_state')).toEqual([
      { value: 0, attrs: { endpoint: 'token' } },
    ]);
  });
});
