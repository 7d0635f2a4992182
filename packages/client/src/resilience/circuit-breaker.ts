import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  type CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { NetworkError, ProviderError } from '../errors/index.js';
import type { EndpointKind, HttpRequest, HttpResponse, Transport } from '../http/transport.js';

/** Circuit breaker settings (seed §8.2). */
export interface CircuitBreakerOptions {
  /** Consecutive failures (network errors, 5xx) that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time the circuit stays open before one probe request is let through. Default 30 000 ms. */
  resetTimeoutMs?: number;
}

/** A transport guarded by one circuit breaker per endpoint kind. */
export interface BreakerTransport extends Transport {
  /** Current state of the breaker of `endpoint` (`Closed`/`Open`/`HalfOpen`/`Isolated` from cockatiel). */
  breakerState(endpoint: EndpointKind): CircuitState | undefined;
}

/**
 * Wraps a transport with a cockatiel circuit breaker per endpoint kind. While open, requests fail fast
 * with `ProviderError` code `circuit_open` (retryable, with `retryAfterSecs`) instead of reaching the provider.
 */
export function withCircuitBreaker(
  transport: Transport,
  options: CircuitBreakerOptions = {},
): BreakerTransport {
  const resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
  const breakers = new Map<EndpointKind, CircuitBreakerPolicy>();
  const breakerFor = (endpoint: EndpointKind): CircuitBreakerPolicy => {
    let breaker = breakers.get(endpoint);
    if (!breaker) {
      breaker = circuitBreaker(
        handleWhen((e) => e instanceof NetworkError).orWhenResult((r) => (r as HttpResponse).status >= 500),
        { halfOpenAfter: resetTimeoutMs, breaker: new ConsecutiveBreaker(options.failureThreshold ?? 5) },
      );
      breakers.set(endpoint, breaker);
    }
    return breaker;
  };

  const guarded = async (request: HttpRequest): Promise<HttpResponse> => {
    try {
      return await breakerFor(request.endpoint).execute(() => transport(request));
    } catch (error) {
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
  return Object.assign(guarded, {
    breakerState: (endpoint: EndpointKind) => breakers.get(endpoint)?.state,
  });
}
