import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { OAuthError } from '../../error/index.js';
import type { AppContext } from '../../state/index.js';
import { nowSecs } from '../hash.js';
import { signEs256Jwt } from '../jwt.js';
import { publicSessionId } from '../sessions.js';

/** What a user approved: the basis of every token issued to a client on their behalf. */
export interface UserGrant {
  scope: string;
  nonce: string | undefined;
  userId: string;
  authTime: number;
  sid: string;
}

export type TokenEndpointResponse = Record<string, unknown>;

/**
 * Access token (RFC 9068 JWT) and, with the `openid` scope, an ID token (OIDC Core §2) carrying
 * auth_time, nonce, at_hash (§3.1.3.6) and sid (Front-Channel Logout §3). The access token carries the
 * grant's `grantId` as `grant_id`, so that revoking the grant revokes it (TokenService.revokeGrant).
 */
export async function issueUserTokens(
  ctx: AppContext,
  client: Client,
  grant: UserGrant,
  grantId: string,
): Promise<TokenEndpointResponse> {
  // A code, device code or refresh token outlives nothing: not the user it was issued for.
  if ((await ctx.users.find(grant.userId)) === undefined) {
    throw new OAuthError('invalid_grant', 'the user of this grant no longer exists');
  }
  const issuer = ctx.config.oauth.issuer;
  const key = ctx.keys.active();
  const ttl = ctx.config.oauth.access_token_ttl_secs;
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
  if (grant.scope.split(' ').includes('openid')) {
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
      // A grant without a session id (a device record from before they were kept) gets no sid claim.
      ...(grant.sid !== '' ? { sid: publicSessionId(ctx.config.security.jwt_secret, grant.sid) } : {}),
    });
  }
  return res;
}
