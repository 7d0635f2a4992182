import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidGrant } from '../../error/index.js';
import type { UserService } from '../accounts/users.js';
import { nowSecs } from '../clock.js';
import type { TokenEndpointResponse } from '../grants/grant.js';
import type { KeyService } from '../keys/keys.js';
import { hasScope } from '../scopes.js';
import { publicSessionId } from '../sessions/sessions.js';
import { signEs256Jwt } from './jwt.js';

/** What a user approved: the basis of every token issued to a client on their behalf. */
export interface UserGrant {
  scope: string;
  nonce: string | undefined;
  userId: string;
  authTime: number;
  sid: string;
}

export interface UserTokensOptions {
  issuer: string;
  accessTokenTtlSecs: number;
  /** The `sessionId` purpose key: the ID token's `sid` is derived from the session id under it. */
  sessionIdKey: Buffer;
}

/**
 * Access token (RFC 9068 JWT) and, with the `openid` scope, an ID token (OIDC Core §2) carrying auth_time,
 * nonce, at_hash (§3.1.3.6) and sid (Front-Channel Logout §3). The access token carries the grant's id as
 * `grant_id`, so that revoking the grant revokes it (AccessTokens.revokeGrant).
 */
export class UserTokens {
  constructor(
    private readonly users: Pick<UserService, 'find'>,
    private readonly keys: Pick<KeyService, 'active'>,
    private readonly opts: UserTokensOptions,
  ) {}

  async issue(client: Client, grant: UserGrant, grantId: string): Promise<TokenEndpointResponse> {
    // A code, device code or refresh token outlives nothing: not the user it was issued for.
    if ((await this.users.find(grant.userId)) === undefined) {
      throw invalidGrant('the user of this grant no longer exists');
    }
    const { issuer, accessTokenTtlSecs: ttl } = this.opts;
    // Both tokens are signed on this thread, back to back: no round trips to the signing worker.
    const key = this.keys.active();
    const iat = nowSecs();
    const scoped = grant.scope !== '' ? { scope: grant.scope } : {};
    // RFC 9068 §2.2 claims.
    const accessToken = signEs256Jwt(key, 'at+jwt', {
      iss: issuer,
      sub: grant.userId,
      aud: issuer,
      client_id: client.clientId,
      ...scoped,
      iat,
      exp: iat + ttl,
      jti: randomUUID(),
      grant_id: grantId,
    });
    const res: TokenEndpointResponse = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ttl,
      ...scoped,
    };
    if (hasScope(grant.scope, 'openid')) {
      // at_hash: left half of the SHA-256 of the access token (ES256 → SHA-256).
      const atHash = createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
      res['id_token'] = signEs256Jwt(key, 'JWT', {
        iss: issuer,
        sub: grant.userId,
        aud: client.clientId,
        iat,
        exp: iat + ttl,
        auth_time: grant.authTime,
        nonce: grant.nonce,
        at_hash: atHash,
        sid: publicSessionId(this.opts.sessionIdKey, grant.sid),
      });
    }
    return res;
  }
}
