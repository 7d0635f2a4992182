/** Longest error_description sent: room for any of ours, a bound on any value one of them quotes. */
const MAX_DESCRIPTION_LENGTH = 200;

/**
 * An error_description as RFC 6749 allows it (§4.1.2.1, §5.2): "Values for the error_description parameter
 * MUST NOT include characters outside the set %x20-21 / %x23-5B / %x5D-7E" (printable ASCII without `"` and
 * `\`). `"` becomes `'` (claim names are quoted so, here and in jose's messages: `'exp' claim is required`),
 * any other character outside the set `?`, and the text is cut to {@link MAX_DESCRIPTION_LENGTH} characters.
 * Every error this server sends goes through here, so a value quoted from a request cannot break the rule.
 */
export function safeErrorDescription(text: string): string {
  const allowed = text.replaceAll('"', "'").replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
  return allowed.length <= MAX_DESCRIPTION_LENGTH
    ? allowed
    : `${allowed.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/** RFC 6749 §5.2 error raised by services and rendered by the web layer. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly description: string;
  constructor(
    readonly code: string,
    description: string,
    readonly status = 400,
    readonly headers: Record<string, string> = {},
  ) {
    const safe = safeErrorDescription(description);
    super(`${code}: ${safe}`);
    this.description = safe;
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

export const invalidRequest = (d: string) => new OAuthError('invalid_request', d);
export const invalidScope = (d: string) => new OAuthError('invalid_scope', d);
export const unsupportedGrantType = (d: string) => new OAuthError('unsupported_grant_type', d);
export const unauthorizedClient = (d: string) => new OAuthError('unauthorized_client', d);
export const invalidClient = (d: string, basic: boolean) =>
  new OAuthError(
    'invalid_client',
    d,
    401,
    basic ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } : {},
  );

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
