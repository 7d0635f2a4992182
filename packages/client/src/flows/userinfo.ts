import { TokenError } from '../errors/index.js';
import { type ClientContext, requireEndpoint } from '../http/context.js';
import { readSuccessBody } from '../http/response.js';

/**
 * Calls the UserInfo endpoint with a bearer token (OIDC Core §5.3, RFC 6750 §2.1).
 * A 401 throws TokenError `invalid_token`.
 */
export async function fetchUserinfo(
  ctx: ClientContext,
  accessToken: string,
  options: { signal?: AbortSignal } = {},
): Promise<Record<string, unknown>> {
  const url = requireEndpoint(ctx.config, 'userinfoEndpoint');
  const response = await ctx.transport({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    endpoint: 'userinfo',
    retry: 'safe',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.status === 401) {
    throw new TokenError('userinfo endpoint rejected the access token', {
      code: 'invalid_token',
      status: 401,
      error: 'invalid_token',
    });
  }
  return readSuccessBody(response, 'userinfo');
}
