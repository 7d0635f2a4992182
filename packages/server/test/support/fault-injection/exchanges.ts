/**
 * Every request the workload sends, as the client saw it: the answer (status, `error`, `Retry-After`, which
 * node the balancer chose), or that there was none (the connection dropped, or no answer within the
 * client's timeout). The invariants are checked on this log after the run.
 */

/** What a client waits for an answer before it gives up: longer than this is a hang. */
export const CLIENT_TIMEOUT_MS = 10_000;

export interface Exchange {
  /** Milliseconds since the run started, when the request was sent. */
  at: number;
  ms: number;
  method: string;
  path: string;
  /** The answer's status; 0 when there was none (`failure` says why). */
  status: number;
  failure?: 'timeout' | 'connection';
  /** The OAuth `error` of a 5xx answer's JSON body. */
  error?: string | undefined;
  retryAfter?: string | undefined;
  /** The balancer's tag on an answer of its own (`refused`, `reset`) instead of a node's. */
  balancer?: string | undefined;
  /** The node port that answered, as the balancer reports it. */
  node?: string | undefined;
}

export class ExchangeLog {
  readonly exchanges: Exchange[] = [];
  readonly #start = Date.now();

  /** Milliseconds since the log was created. */
  now(): number {
    return Date.now() - this.#start;
  }

  /**
   * A `fetch` that records each exchange in this log and aborts after CLIENT_TIMEOUT_MS. It throws as
   * `fetch` does when there is no answer; the exchange is recorded first.
   */
  readonly fetch: typeof fetch = async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const exchange: Exchange = {
      at: this.now(),
      ms: 0,
      method: init.method ?? 'GET',
      path: url.pathname,
      status: 0,
    };
    this.exchanges.push(exchange);
    const signal = AbortSignal.timeout(CLIENT_TIMEOUT_MS);
    try {
      const res = await fetch(input, { ...init, signal });
      // The body is read here, under the same timeout: an answer that stops halfway is no answer.
      const body = await res.text();
      exchange.status = res.status;
      exchange.node = res.headers.get('x-balancer-node') ?? undefined;
      exchange.balancer = res.headers.get('x-balancer-error') ?? undefined;
      exchange.retryAfter = res.headers.get('retry-after') ?? undefined;
      if (res.status >= 500) exchange.error = errorCode(body);
      const empty = res.status === 204 || res.status === 304;
      return new Response(empty ? null : body, { status: res.status, headers: res.headers });
    } catch (err) {
      exchange.failure = signal.aborted ? 'timeout' : 'connection';
      throw err;
    } finally {
      exchange.ms = this.now() - exchange.at;
    }
  };
}

function errorCode(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
