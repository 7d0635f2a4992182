import { type ClientContext, postAuthenticatedForm } from '../http/context.js';
import { parseTokenResponse } from '../http/response.js';
import { idTokenKeys } from '../oidc/client-keys.js';
import { validateIdToken } from '../oidc/id-token.js';
import type { TokenResponse } from '../token/records.js';

/** Options of a refresh request. */
export interface RefreshOptions {
  /** Narrower scopes (RFC 6749 §6: must not exceed the original grant). */
  scopes?: string[];
  /**
   * Validate an ID token in the response before returning it. Default true. The token manager passes
   * false and validates afterwards with {@link validateRefreshedIdToken}: a rotated refresh token must be
   * kept even when the ID token beside it cannot be checked (RFC 9700 §4.14.2).
   */
  validateIdToken?: boolean;
  signal?: AbortSignal;
}

/**
 * Uses a refresh token (RFC 6749 §6). Retried only if provably not sent, since rotated refresh tokens
 * are single-use (RFC 9700 §4.14). A rejected token throws TokenError `invalid_grant`. An ID token in the
 * response is validated as {@link validateRefreshedIdToken} does, unless `validateIdToken` is false.
 */
export async function refreshToken(
  ctx: ClientContext,
  token: string,
  options: RefreshOptions = {},
): Promise<TokenResponse> {
  const params = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token });
  if (options.scopes && options.scopes.length > 0) params.set('scope', options.scopes.join(' '));
  const response = await postAuthenticatedForm(ctx, {
    endpoint: 'token',
    url: ctx.config.tokenEndpoint,
    params,
    retry: 'if-not-sent',
    grantType: 'refresh_token',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const tokens = parseTokenResponse(response, ctx.config.compat);
  if (options.validateIdToken !== false) await validateRefreshedIdToken(ctx, tokens);
  return tokens;
}

/**
 * Validates the ID token of a refresh response, when it has one and `issuer` and `jwksUri` are configured
 * (OIDC Core §12.2: signature, `iss`, `aud`, `exp`, `at_hash`; no nonce). An invalid token throws
 * ProtocolError `invalid_id_token`; when the signing keys cannot be fetched, the transport's own
 * NetworkError or ProviderError is thrown instead (the token was not judged).
 */
export async function validateRefreshedIdToken(ctx: ClientContext, tokens: TokenResponse): Promise<void> {
  const { issuer, jwksUri, clientId } = ctx.config;
  if (!tokens.idToken || !issuer || !jwksUri) return;
  await validateIdToken(tokens.idToken, {
    issuer,
    clientId,
    keys: idTokenKeys(ctx),
    accessToken: tokens.accessToken,
  });
}
