import { ProtocolError, TokenError } from '../errors/index.js';
import { type ClientContext, requireEndpoint } from '../http/context.js';
import { readSuccessBody } from '../http/response.js';

/** Options of a UserInfo request. */
export interface UserinfoOptions {
  /**
   * The `sub` of the user's ID token. OIDC Core §5.3.2: the client MUST check that the response's `sub`
   * equals it, since an access token may have been substituted; ProtocolError `subject_mismatch` when it
   * differs, `invalid_response` when the response has no `sub`. Pass it whenever you have an ID token.
   */
  expectedSubject?: string;
  signal?: AbortSignal;
}

/**
 * Calls the UserInfo endpoint with a bearer token (OIDC Core §5.3, RFC 6750 §2.1).
 * A 401 throws TokenError `invalid_token`.
 */
export async function fetchUserinfo(
  ctx: ClientContext,
  accessToken: string,
  options: UserinfoOptions = {},
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
  const claims = readSuccessBody(response, 'userinfo');
  if (options.expectedSubject !== undefined) checkSubject(claims, options.expectedSubject);
  return claims;
}

/** OIDC Core §5.3.2: `sub` is always returned and must be the ID token's `sub`. */
function checkSubject(claims: Record<string, unknown>, expected: string): void {
  const sub = claims['sub'];
  if (typeof sub !== 'string') {
    throw new ProtocolError('userinfo response lacks sub (OIDC Core §5.3.2)', { code: 'invalid_response' });
  }
  if (sub !== expected) {
    throw new ProtocolError('userinfo sub does not match the ID token sub (OIDC Core §5.3.2)', {
      code: 'subject_mismatch',
    });
  }
}
