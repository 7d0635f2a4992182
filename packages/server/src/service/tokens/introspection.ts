import type { Client } from '../../domain/index.js';
import { invalidRequest } from '../../error/index.js';
import type { UserService } from '../accounts/users.js';
import type { AccessTokens, IntrospectionResponse } from './access-tokens.js';
import type { RefreshTokenIntrospection, RefreshTokens } from './refresh-tokens.js';

/**
 * RFC 7662 §2: access tokens for any authenticated client (resource servers introspect the tokens sent to
 * them), refresh tokens only for the client they were issued to. Anything else is `{active:false}` (§2.2).
 */
export class Introspection {
  constructor(
    private readonly accessTokens: Pick<AccessTokens, 'introspect'>,
    private readonly refreshTokens: Pick<RefreshTokens, 'introspect'>,
    private readonly users: Pick<UserService, 'find'>,
  ) {}

  async introspect(
    client: Client,
    token: string | undefined,
  ): Promise<IntrospectionResponse | RefreshTokenIntrospection> {
    if (token === undefined || token === '') throw invalidRequest('token is required');
    // Our access tokens are compact JWS (three dot-separated parts); our refresh tokens are base64url and have
    // no dot. The shape decides where to look, so `token_type_hint` is not needed (§2.1 makes it optional).
    if (!token.includes('.'))
      return (await this.refreshTokens.introspect(client, token)) ?? { active: false };
    const res = await this.accessTokens.introspect(token);
    // A user's access token is active only while the user exists, as at userinfo and for refresh tokens: a
    // deleted account must stop working at resource servers too, not only at our own endpoints.
    if (res.active && res.grant_id !== undefined && (await this.users.find(res.sub)) === undefined) {
      return { active: false };
    }
    return res;
  }
}
