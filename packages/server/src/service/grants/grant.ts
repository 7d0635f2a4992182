import type { Client } from '../../domain/index.js';

/** The token endpoint's answer (RFC 6749 §5.1); the grant adds what it issues. */
export type TokenEndpointResponse = Record<string, unknown>;

/** The parameters of a token request, read as each one is needed (RFC 6749 §3.2). */
export interface TokenRequest {
  /** A single-valued parameter; a repeated one is invalid_request (RFC 6749 §3.2). */
  param(name: string): string | undefined;
  /** A parameter that may be repeated (RFC 8707 `resource`). */
  params(name: string): string[];
}

/**
 * One grant type of the token endpoint (RFC 6749 §4, §6; RFC 8628 §3.4). The endpoint authenticates the
 * client, checks that the client is registered for `grantType` and hands the request to `exchange`.
 */
export interface Grant {
  /** The `grant_type` value. */
  readonly grantType: string;
  /** Whether public clients (`none`) may use it: PKCE, a device code or their refresh token prove possession. */
  readonly publicClients: boolean;
  /** Whether RFC 8707 `resource` indicators are honoured; elsewhere a `resource` is `invalid_target` (§2). */
  readonly resourceIndicators: boolean;
  /** The label its issued tokens are counted under (`gatehouse_tokens_issued_total`). */
  readonly metricLabel: string;
  exchange(client: Client, request: TokenRequest): Promise<TokenEndpointResponse>;
}
