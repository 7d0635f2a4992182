/** Longest error_description sent: room for any of ours, a bound on any value one of them quotes. */
const MAX_DESCRIPTION_LENGTH = 200;

/**
 * Every error code this server sends, with where it is defined: RFC 6749 §4.1.2.1 (authorization endpoint) and
 * §5.2 (token endpoint), RFC 8628 §3.5 (device grant), RFC 8707 §2 (resource indicators), OIDC Core §3.1.2.6
 * (request objects, interaction), RFC 6750 §3.1 (bearer tokens), RFC 7591 §3.2.2 (`invalid_redirect_uri`,
 * here for an authorization request whose redirect_uri is not registered: shown to the user, never redirected to).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'access_denied'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'request_not_supported'
  | 'request_uri_not_supported'
  | 'invalid_redirect_uri'
  | 'temporarily_unavailable'
  | 'server_error';

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

/**
 * An OAuth error raised by a service. The web layer renders it for the endpoint it reached: RFC 6749 §5.2 JSON
 * on the back channel, a redirect to the client (§4.1.2.1) or a page on the authorization endpoint.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  readonly description: string;
  constructor(
    readonly code: OAuthErrorCode,
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

/** One constructor per code: `throw invalidGrant('…')` reads as the spec's table does. */
const of =
  (code: OAuthErrorCode, status = 400) =>
  (description: string) =>
    new OAuthError(code, description, status);

export const invalidRequest = of('invalid_request');
export const invalidGrant = of('invalid_grant');
export const invalidScope = of('invalid_scope');
export const invalidTarget = of('invalid_target');
export const unauthorizedClient = of('unauthorized_client');
export const unsupportedGrantType = of('unsupported_grant_type');
export const unsupportedResponseType = of('unsupported_response_type');
export const accessDenied = of('access_denied');
export const authorizationPending = of('authorization_pending');
export const slowDown = of('slow_down');
export const expiredToken = of('expired_token');
export const requestNotSupported = of('request_not_supported');
export const requestUriNotSupported = of('request_uri_not_supported');

/** RFC 6749 §5.2: 401, with a Basic challenge when the client tried Basic authentication. */
export const invalidClient = (description: string, basic: boolean) =>
  new OAuthError(
    'invalid_client',
    description,
    401,
    basic ? { 'www-authenticate': 'Basic realm="gatehouse", charset="UTF-8"' } : {},
  );
