import { NetworkError } from '../errors/index.js';
import type { HttpRequest } from '../http/transport.js';

/**
 * The error of a request whose caller's `signal` fired, as the fetch transport reports it: not retried,
 * not a circuit-breaker failure (the caller gave up; that says nothing about the provider).
 */
export function callerAborted(request: HttpRequest): NetworkError {
  return new NetworkError(`${request.endpoint} request aborted by the caller`, {
    code: 'aborted',
    ...(request.signal?.reason === undefined ? {} : { cause: request.signal.reason }),
  });
}

/**
 * Waits `ms` before a request goes (out) again, unless the request's `signal` fires first: then it rejects
 * at once with {@link callerAborted} and the timer is cleared. A caller's deadline must hold during a
 * backoff, a `Retry-After` or a rate-limit wait too, not only while bytes are on the wire.
 */
export function waitUnlessAborted(ms: number, request: HttpRequest): Promise<void> {
  const signal = request.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(callerAborted(request));
    const onAbort = () => {
      clearTimeout(timer);
      reject(callerAborted(request));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `work`, or rejects with {@link callerAborted} as soon as the request's `signal` fires (e.g.
 * while queued behind other requests). `work` still settles later; its outcome is then ignored.
 */
export function untilAborted<T>(work: Promise<T>, request: HttpRequest): Promise<T> {
  const signal = request.signal;
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(callerAborted(request));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
