import { type ClientContext, postAuthenticatedForm } from '../http/context.js';
import { parseTokenResponse } from '../http/response.js';
import { idTokenKeys } from '../oidc/client-keys.js';
import { validateIdToken } from '../oidc/id-token.js';
import type { TokenResponse } from '../token/types.js';

/** Options of a refresh request. */
export interface RefreshOptions {
  /** Narrower scopes (RFC 6749 §6: must not exceed the original grant). */
  scopes?: string[];
  signal?: AbortSignal;
}

/**
 * Uses a refresh token (RFC 6749 §6). Retried only if provably not sent, since rotated refresh tokens
 * are single-use (RFC 9700 §4.14). A rejected token throws TokenError `invalid_grant`. An ID token in the
 * response is validated when `issuer` and `jwksUri` are configured (OIDC Core §12.2: signature, `iss`,
 * `aud`, `exp`, `at_hash`; no nonce), else ProtocolError `invalid_id_token`.
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
  const tokens = parseTokenResponse(response);
  const { issuer, jwksUri, clientId } = ctx.config;
  if (tokens.idToken && issuer && jwksUri) {
    await validateIdToken(tokens.idToken, {
      issuer,
      clientId,
      keys: idTokenKeys(ctx),
      accessToken: tokens.accessToken,
    });
  }
  return tokens;
}
