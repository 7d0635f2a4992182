/**
 * The transport seam: every outbound HTTP request of the library goes through one {@link Transport}
 * function. The default is built on the platform `fetch`; resilience (rate limit → circuit breaker →
 * retry) and telemetry wrap it as further `Transport`s, so each layer is a plain function.
 */

/** Which endpoint a request is for: rate limits, breakers and metrics are kept per endpoint kind. */
export type EndpointKind =
  | 'token'
  | 'authorization'
  | 'device_authorization'
  | 'introspection'
  | 'revocation'
  | 'userinfo'
  | 'discovery'
  | 'jwks';

/**
 * May a request be sent again after a failure?
 * - `safe`: idempotent (GET discovery/JWKS/userinfo, client credentials, introspection, revocation).
 * - `if-not-sent`: only when it provably never reached the server, e.g. connection refused
 *   (refresh: a rotated refresh token used twice would log the user out, RFC 9700 §4.14).
 * - `never`: never (authorization-code exchange: codes are single-use, RFC 6749 §4.1.2).
 */
export type RetryPolicy = 'safe' | 'if-not-sent' | 'never';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Form-encoded or JSON body, already serialised. */
  body?: string;
  endpoint: EndpointKind;
  retry: RetryPolicy;
  /** For metrics and spans: the grant type of a token request. */
  grantType?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  /** The body as text, already capped in size by the transport. */
  body: string;
}

/** Sends one request. Throws {@link NetworkError} when no response arrived; never throws on HTTP status. */
export type Transport = (request: HttpRequest) => Promise<HttpResponse>;
