import { type ClientContext, postAuthenticatedForm, requireEndpoint } from '../http/context.js';
import { readSuccessBody } from '../http/response.js';

/** RFC 7009 §2.1 / RFC 7662 §2.1 request parameters. */
export interface TokenParams {
  token: string;
  tokenTypeHint?: 'access_token' | 'refresh_token';
  signal?: AbortSignal;
}

/** Token revocation (RFC 7009). */
export interface RevocationFlow {
  /**
   * Revokes a token (RFC 7009 §2.1). Resolves on HTTP 200 (also for unknown tokens, §2.2);
   * an RFC 7009 §2.2.1 error throws TokenError, 503 throws ProviderError.
   */
  revoke(params: TokenParams): Promise<void>;
}

export function createRevocationFlow(ctx: ClientContext): RevocationFlow {
  return {
    async revoke({ token, ...options }) {
      const url = requireEndpoint(ctx.config, 'revocationEndpoint');
      const params = new URLSearchParams({ token });
      if (options.tokenTypeHint) params.set('token_type_hint', options.tokenTypeHint);
      const response = await postAuthenticatedForm(ctx, {
        endpoint: 'revocation',
        url,
        params,
        retry: 'safe',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (response.status === 200) return;
      readSuccessBody(response, 'revocation');
    },
  };
}
