import { OAuthError } from './oauth-error.js';

/**
 * The server cannot serve the request for now — a dependency (the store, the database) cannot be reached,
 * or the in-process store is full: `503 temporarily_unavailable` with `Retry-After`, which clients retry,
 * rather than a 500 (RFC 6749 §4.1.2.1; the IANA OAuth error registry). `reason` is for the log only (it
 * names no key or value); the client gets a fixed description.
 */
export class ServiceUnavailableError extends OAuthError {
  override name = 'ServiceUnavailableError';
  constructor(
    reason: string,
    description = 'the server is temporarily unavailable, try again later',
    retryAfterSecs = 5,
  ) {
    super('temporarily_unavailable', description, 503, { 'retry-after': String(retryAfterSecs) });
    this.message = reason;
  }
}

/** `err` and the errors it was caused by (`cause`), outermost first: drivers' errors arrive wrapped (drizzle). */
export function causeChain(err: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = err; e instanceof Error && chain.length < 8; e = e.cause) chain.push(e);
  return chain;
}
