import type { Meter } from '@opentelemetry/api';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  circuitBreaker,
  handleWhen,
  type IBreaker,
} from 'cockatiel';
import { NetworkError, ProviderError } from '../errors/index.js';
import type { EndpointKind, HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { resolveMeter } from '../telemetry/otel.js';

/** Circuit breaker settings. */
export interface CircuitBreakerOptions {
  /**
   * Failures (network errors, 5xx; never a request the caller aborted) within `failureWindowMs` that
   * open the circuit. Default 5.
   */
  failureThreshold?: number;
  /** Sliding window in which failures are counted. Default 60 000 ms. */
  failureWindowMs?: number;
  /** Time the circuit stays open before it half-opens and lets one probe request through. Default 30 000 ms. */
  resetTimeoutMs?: number;
  /** Consecutive successes needed in half-open before the circuit closes; any failure reopens it. Default 3. */
  successThreshold?: number;
  /** Meter for the `oauth2_circuit_breaker_state` gauge; defaults to the global meter provider. */
  meter?: Meter;
  /** Clock, for tests; must agree with the one cockatiel uses (`Date.now`). */
  now?: () => number;
}

/** A transport guarded by one circuit breaker per endpoint kind. */
export interface BreakerTransport extends Transport {
  /**
   * Current state of the breaker of `endpoint` (`Closed`/`Open`/`HalfOpen` from cockatiel), `undefined`
   * before its first request. `HalfOpen` lasts until `successThreshold` consecutive successes.
   */
  breakerState(endpoint: EndpointKind): CircuitState | undefined;
}

/**
 * cockatiel breaker: opens after `threshold` failures within `windowMs`, and keeps the circuit
 * "recovering" after the half-open probe until `successThreshold` consecutive successes. cockatiel closes
 * its circuit after one successful probe; while recovering any failure makes `failure()` return `true`
 * so cockatiel opens it again at once.
 */
export class WindowedRecoveryBreaker implements IBreaker {
  #failures: number[] = [];
  #recoverySuccesses = 0;
  #recovering = false;

  constructor(
    readonly threshold: number,
    readonly windowMs: number,
    readonly successThreshold: number,
    readonly now: () => number = Date.now,
  ) {
    if (!(threshold >= 1) || !(windowMs > 0) || !(successThreshold >= 1))
      throw new RangeError('threshold and successThreshold must be ≥ 1, windowMs > 0');
  }

  /** True between the first half-open success and the `successThreshold`-th one. */
  get recovering(): boolean {
    return this.#recovering;
  }

  get state(): unknown {
    return {
      failures: [...this.#failures],
      recovering: this.#recovering,
      recoverySuccesses: this.#recoverySuccesses,
    };
  }

  set state(value: unknown) {
    const v = value as { failures?: number[]; recovering?: boolean; recoverySuccesses?: number };
    this.#failures = [...(v.failures ?? [])];
    this.#recovering = v.recovering ?? false;
    this.#recoverySuccesses = v.recoverySuccesses ?? 0;
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) {
      this.#failures = [];
      this.#recoverySuccesses = 1;
      this.#recovering = this.successThreshold > 1;
    } else if (this.#recovering && ++this.#recoverySuccesses >= this.successThreshold) {
      this.#recovering = false;
    }
  }

  /**
   * The half-open probe ended in an error that is not a provider failure (e.g. the caller aborted it).
   * cockatiel closes the circuit on such an error and reports it to {@link success} as a half-open
   * success; it proves nothing about the provider, so it starts no recovery: the circuit is closed with
   * an empty failure window, and only `failureThreshold` new failures open it again.
   */
  probeInconclusive(): void {
    this.#recovering = false;
    this.#recoverySuccesses = 0;
  }

  failure(state: CircuitState): boolean {
    if (state === CircuitState.HalfOpen || this.#recovering) {
      this.#recovering = false;
      this.#recoverySuccesses = 0;
      this.#failures = [];
      return true;
    }
    const t = this.now();
    this.#failures = this.#failures.filter((at) => t - at < this.windowMs);
    this.#failures.push(t);
    if (this.#failures.length >= this.threshold) {
      this.#failures = [];
      return true;
    }
    return false;
  }
}

/**
 * Failures that say the provider is unwell: no answer (refused, reset, timed out). A request the caller
 * aborted with its own signal says nothing about the provider, so it is not counted: otherwise a few
 * impatient callers would open the circuit for everyone.
 */
function isProviderFailure(error: unknown): boolean {
  return error instanceof NetworkError && error.code !== 'aborted';
}

const STATE_VALUE: Partial<Record<CircuitState, number>> = {
  [CircuitState.Closed]: 0,
  [CircuitState.Open]: 1,
  [CircuitState.HalfOpen]: 2,
  [CircuitState.Isolated]: 1,
};

/**
 * Wraps a transport with a cockatiel circuit breaker per endpoint kind: it opens after
 * `failureThreshold` failures within `failureWindowMs` (5 in 60 s), half-opens after `resetTimeoutMs`
 * (30 s) and closes only after `successThreshold` (3) consecutive successes. While open, requests fail
 * fast with `ProviderError` code `circuit_open` (retryable, with `retryAfterSecs`) instead of reaching
 * the provider. Reports `oauth2_circuit_breaker_state{endpoint}` (0 closed, 1 open, 2 half-open).
 */
export function withCircuitBreaker(
  transport: Transport,
  options: CircuitBreakerOptions = {},
): BreakerTransport {
  const resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
  const breakers = new Map<
    EndpointKind,
    { policy: CircuitBreakerPolicy; breaker: WindowedRecoveryBreaker }
  >();
  const entryFor = (endpoint: EndpointKind) => {
    let entry = breakers.get(endpoint);
    if (!entry) {
      const breaker = new WindowedRecoveryBreaker(
        options.failureThreshold ?? 5,
        options.failureWindowMs ?? 60_000,
        options.successThreshold ?? 3,
        options.now,
      );
      const policy = circuitBreaker(
        handleWhen(isProviderFailure).orWhenResult((r) => (r as HttpResponse).status >= 500),
        { halfOpenAfter: resetTimeoutMs, breaker },
      );
      entry = { policy, breaker };
      breakers.set(endpoint, entry);
    }
    return entry;
  };
  const stateOf = (endpoint: EndpointKind): CircuitState | undefined => {
    const entry = breakers.get(endpoint);
    if (!entry) return undefined;
    const state = entry.policy.state;
    return state === CircuitState.Closed && entry.breaker.recovering ? CircuitState.HalfOpen : state;
  };

  resolveMeter(options.meter === undefined ? {} : { meter: options.meter })
    .createObservableGauge('oauth2_circuit_breaker_state', {
      description: 'Circuit breaker state per endpoint: 0 closed, 1 open, 2 half-open',
    })
    .addCallback((result) => {
      for (const endpoint of breakers.keys()) {
        const state = stateOf(endpoint);
        if (state !== undefined) result.observe(STATE_VALUE[state] ?? 0, { endpoint });
      }
    });

  const guarded = async (request: HttpRequest): Promise<HttpResponse> => {
    const { policy, breaker } = entryFor(request.endpoint);
    let probe = false;
    try {
      return await policy.execute(() => {
        probe = policy.state === CircuitState.HalfOpen;
        return transport(request);
      });
    } catch (error) {
      if (probe && !isProviderFailure(error)) breaker.probeInconclusive();
      if (error instanceof BrokenCircuitError) {
        throw new ProviderError(`${request.endpoint} circuit is open: the provider is failing`, {
          code: 'circuit_open',
          retryable: true,
          retryAfterSecs: Math.ceil(resetTimeoutMs / 1000),
          cause: error,
        });
      }
      throw error;
    }
  };
  return Object.assign(guarded, { breakerState: stateOf });
}
