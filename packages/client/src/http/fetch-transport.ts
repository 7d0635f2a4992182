import { NetworkError, ProviderError } from '../errors/index.js';
import { assertSecureEndpoint } from './secure-endpoint.js';
import type { HttpRequest, HttpResponse, Transport } from './transport.js';

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** A `fetch` implementation; defaults to the platform `fetch`. */
  fetch?: typeof fetch;
  /** Per-request timeout in seconds, covering headers and body. Default 30. */
  timeoutSecs?: number;
  /** Largest accepted response body in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
}

/** Default per-request timeout, seconds. */
export const DEFAULT_TIMEOUT_SECS = 30;
/** Default response size cap, bytes. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The default {@link Transport}: platform `fetch` with a per-request timeout (NetworkError `timeout`;
 * NetworkError `aborted` when the request's own `signal` fired),
 * a response size cap (ProviderError `response_too_large`) and HTTPS enforcement (ConfigurationError
 * `insecure_endpoint`, loopback excepted). Redirects are not followed (RFC 6749 §3.2 endpoints answer directly).
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = (options.timeoutSecs ?? DEFAULT_TIMEOUT_SECS) * 1000;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;

  return async (request: HttpRequest): Promise<HttpResponse> => {
    assertSecureEndpoint(request.url, `${request.endpoint} endpoint`);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const fail = (cause: unknown): never => {
      if (timeout.aborted) {
        throw new NetworkError(`${request.endpoint} request timed out after ${timeoutMs / 1000}s`, {
          code: 'timeout',
          retryable: true,
          cause,
        });
      }
      if (request.signal?.aborted) {
        // The caller gave up: says nothing about the provider (not retried, not a breaker failure).
        throw new NetworkError(`${request.endpoint} request aborted by the caller`, {
          code: 'aborted',
          cause,
        });
      }
      throw new NetworkError(`${request.endpoint} request failed: no response`, {
        code: 'network_error',
        retryable: true,
        cause,
      });
    };
    let response: Response;
    try {
      const init: RequestInit = {
        method: request.method,
        headers: request.headers,
        signal,
        redirect: 'manual',
      };
      if (request.body !== undefined) init.body = request.body;
      response = await doFetch(request.url, init);
    } catch (cause) {
      return fail(cause);
    }
    let body: string;
    try {
      body = await readCapped(response, maxBytes, request.endpoint);
    } catch (cause) {
      if (cause instanceof ProviderError) throw cause;
      return fail(cause);
    }
    return { status: response.status, headers: response.headers, body };
  };
}

async function readCapped(response: Response, maxBytes: number, endpoint: string): Promise<string> {
  const tooLarge = () =>
    new ProviderError(`${endpoint} response exceeds ${maxBytes} bytes`, {
      code: 'response_too_large',
      status: response.status,
    });
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
