import { ProtocolError } from '../errors/index.js';
import { type ClientContext, postAuthenticatedForm, requireEndpoint } from '../http/context.js';
import { readSuccessBody } from '../http/response.js';
import type { TokenParams } from './revocation.js';

/** RFC 7662 §2.2 introspection response; `raw` keeps every field. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  clientId?: string;
  username?: string;
  tokenType?: string;
  exp?: number;
  iat?: number;
  sub?: string;
  aud?: string | string[];
  iss?: string;
  raw: Record<string, unknown>;
}

/** Token introspection (RFC 7662). */
export interface IntrospectionFlow {
  /** Asks the server whether a token is active (RFC 7662 §2.1). */
  introspect(params: TokenParams): Promise<IntrospectionResponse>;
}

export function createIntrospectionFlow(ctx: ClientContext): IntrospectionFlow {
  return {
    async introspect({ token, ...options }) {
      const url = requireEndpoint(ctx.config, 'introspectionEndpoint');
      const params = new URLSearchParams({ token });
      if (options.tokenTypeHint) params.set('token_type_hint', options.tokenTypeHint);
      const response = await postAuthenticatedForm(ctx, {
        endpoint: 'introspection',
        url,
        params,
        retry: 'safe',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const raw = readSuccessBody(response, 'introspection');
      if (typeof raw['active'] !== 'boolean') {
        throw new ProtocolError('introspection response lacks boolean active (RFC 7662 §2.2)', {
          code: 'invalid_response',
        });
      }
      const result: IntrospectionResponse = { active: raw['active'], raw };
      const s = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
      const n = (k: string) => (typeof raw[k] === 'number' ? (raw[k] as number) : undefined);
      const assign = <K extends keyof IntrospectionResponse>(
        key: K,
        value: IntrospectionResponse[K] | undefined,
      ) => {
        if (value !== undefined) result[key] = value;
      };
      assign('scope', s('scope'));
      assign('clientId', s('client_id'));
      assign('username', s('username'));
      assign('tokenType', s('token_type'));
      assign('exp', n('exp'));
      assign('iat', n('iat'));
      assign('sub', s('sub'));
      assign('iss', s('iss'));
      const aud = raw['aud'];
      if (typeof aud === 'string' || Array.isArray(aud)) result.aud = aud as string | string[];
      return result;
    },
  };
}
