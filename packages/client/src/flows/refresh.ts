import { type ClientContext, postAuthenticatedForm } from '../http/context.js';
import { parseTokenResponse } from '../http/response.js';
import type { TokenResponse } from '../token/types.js';

/** Options of a refresh request. */
export interface RefreshOptions {
  /** Narrower scopes (RFC 6749 §6: must not exceed the original grant). */
  scopes?: string[];
  signal?: AbortSignal;
}

/**
 * Uses a refresh token (RFC 6749 §6). Retried only if provably not sent, since rotated refresh tokens
 * are single-use (RFC 9700 §4.14). A rejected token throws TokenError `invalid_grant`.
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
  return parseTokenResponse(response);
}
