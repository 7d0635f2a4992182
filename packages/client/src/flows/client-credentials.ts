import { type ClientContext, postAuthenticatedForm } from '../http/context.js';
import { parseTokenResponse } from '../http/response.js';
import type { TokenResponse } from '../token/records.js';

/** Options of a client credentials request. */
export interface ClientCredentialsOptions {
  /** Scopes; defaults to the client's configured scopes. */
  scopes?: string[];
  /** RFC 8707 resource indicator(s). */
  resource?: string | string[];
  /** Audience (non-standard, used by Auth0 and others). */
  audience?: string;
  signal?: AbortSignal;
}

/** The client credentials grant (RFC 6749 §4.4). */
export interface ClientCredentialsFlow {
  /** Requests an access token for the client itself (RFC 6749 §4.4.2). */
  requestToken(options?: ClientCredentialsOptions): Promise<TokenResponse>;
}

export function createClientCredentialsFlow(ctx: ClientContext): ClientCredentialsFlow {
  return {
    async requestToken(options = {}) {
      const params = new URLSearchParams({ grant_type: 'client_credentials' });
      const scopes = options.scopes ?? ctx.config.scopes;
      if (scopes && scopes.length > 0) params.set('scope', scopes.join(' '));
      for (const r of [options.resource ?? []].flat()) params.append('resource', r);
      if (options.audience) params.set('audience', options.audience);
      const response = await postAuthenticatedForm(ctx, {
        endpoint: 'token',
        url: ctx.config.tokenEndpoint,
        params,
        retry: 'safe',
        grantType: 'client_credentials',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return parseTokenResponse(response, ctx.config.compat);
    },
  };
}
