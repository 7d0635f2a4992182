/**
 * Typed errors for every failure the library can report.
 *
 * Every error carries a stable machine-readable {@link OAuth2Error.code}, whether retrying could help
 * ({@link OAuth2Error.retryable}), the HTTP status when a server answered, and the server's own RFC 6749
 * §5.2 `error` / `error_description` / `error_uri` when it sent them.
 *
 * Messages never contain a token, code, verifier or secret: build them only from codes, field names,
 * endpoints and the server's `error_description`.
 */

/** Stable error codes. RFC 6749 §5.2 / RFC 8628 §3.5 codes are passed through as the server sent them. */
export type OAuth2ErrorCode =
  // configuration
  | 'invalid_configuration'
  | 'insecure_endpoint'
  // authorization callback
  | 'state_mismatch'
  | 'state_expired'
  | 'state_missing'
  | 'iss_mismatch'
  | 'iss_missing'
  | 'access_denied'
  // tokens
  | 'invalid_grant'
  | 'invalid_client'
  | 'invalid_scope'
  | 'invalid_request'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'reauthentication_required'
  | 'no_refresh_token'
  | 'authorization_pending'
  | 'slow_down'
  | 'expired_token'
  // protocol
  | 'invalid_response'
  | 'invalid_id_token'
  | 'id_token_missing'
  | 'nonce_mismatch'
  | 'subject_mismatch'
  | 'discovery_failed'
  // provider / transport
  | 'server_error'
  | 'temporarily_unavailable'
  | 'circuit_open'
  | 'rate_limited'
  | 'timeout'
  | 'network_error'
  | 'aborted'
  | 'response_too_large'
  // storage
  | 'storage_error'
  | 'storage_corrupted'
  // anything else a server sent us
  | (string & {});

export interface OAuth2ErrorOptions {
  code: OAuth2ErrorCode;
  retryable?: boolean;
  status?: number;
  /** The server's RFC 6749 §5.2 `error` value. */
  error?: string;
  /** The server's RFC 6749 §5.2 `error_description` value. */
  errorDescription?: string;
  /** The server's RFC 6749 §5.2 `error_uri` value. */
  errorUri?: string;
  /** Seconds from a `Retry-After` header, when the server sent one. */
  retryAfterSecs?: number;
  cause?: unknown;
}

/** Base class of every error thrown by `@gatehouse/client`. */
export class OAuth2Error extends Error {
  override name = 'OAuth2Error';
  readonly code: OAuth2ErrorCode;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly error: string | undefined;
  readonly errorDescription: string | undefined;
  readonly errorUri: string | undefined;
  readonly retryAfterSecs: number | undefined;

  constructor(message: string, options: OAuth2ErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.retryable = options.retryable ?? false;
    this.status = options.status;
    this.error = options.error;
    this.errorDescription = options.errorDescription;
    this.errorUri = options.errorUri;
    this.retryAfterSecs = options.retryAfterSecs;
  }

  /** A plain object safe to log: no secrets ever live on an error. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      status: this.status,
      error: this.error,
      errorDescription: this.errorDescription,
      errorUri: this.errorUri,
    };
  }
}

/** The client was configured wrongly (bad value, missing field, insecure endpoint). */
export class ConfigurationError extends OAuth2Error {
  override name = 'ConfigurationError';
}

/** The authorization step failed: state mismatch/replay/expiry, `iss` mismatch, or the user denied. */
export class AuthorizationError extends OAuth2Error {
  override name = 'AuthorizationError';
}

/** The token endpoint refused a grant, or a stored token can no longer be used. */
export class TokenError extends OAuth2Error {
  override name = 'TokenError';
}

/** The server's answer broke the protocol: bad ID token, nonce mismatch, malformed response. */
export class ProtocolError extends OAuth2Error {
  override name = 'ProtocolError';
}

/** The provider is failing: 5xx, non-JSON error pages, `temporarily_unavailable`, open circuit. */
export class ProviderError extends OAuth2Error {
  override name = 'ProviderError';
}

/** The request did not complete: timeout, DNS, connection refused or reset. */
export class NetworkError extends OAuth2Error {
  override name = 'NetworkError';
}

/** Token storage failed: unreadable, corrupted or wrongly keyed data, backend down. */
export class StorageError extends OAuth2Error {
  override name = 'StorageError';
}
