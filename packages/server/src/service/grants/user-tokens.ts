import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Client } from '../../domain/index.js';
import { grants } from '../../repo/schema.js';
import type { AppContext } from '../../state/index.js';
import { nowSecs } from '../hash.js';

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
 * auth_time, nonce, at_hash (§3.1.3.6) and sid (Front-Channel Logout §3).
 */
export async function issueUserTokens(
  ctx: AppContext,
  client: Client,
  grant: UserGrant,
  jti: string,
): Promise<TokenEndpointResponse> {
  const issuer = ctx.config.oauth.issuer;
  const key = ctx.keys.active();
  const ttl = ctx.config.oauth.access_token_ttl_secs;
  const iat = nowSecs();
  const scoped = grant.scope !== '' ? { scope: grant.scope } : {};
  const accessToken = await new SignJWT({ client_id: client.clientId, ...scoped, jti })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })
    .setIssuer(issuer)
    .setSubject(grant.userId)
    .setAudience(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(key.privateKey);
  const res: TokenEndpointResponse = {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: ttl,
    ...scoped,
  };
  if (grant.scope.split(' ').includes('openid')) {
    // at_hash: left half of the SHA-256 of the access token (ES256 → SHA-256).
    const atHash = createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
    res['id_token'] = await new SignJWT({
      auth_time: grant.authTime,
      ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
      at_hash: atHash,
      sid: grant.sid,
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid })
      .setIssuer(issuer)
      .setSubject(grant.userId)
      .setAudience(client.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(key.privateKey);
  }
  return res;
}

/**
 * Inserts a marker row in the database; false when it already exists. The primary key makes this the
 * one atomic "first one wins" step across every node (single-use codes, refresh rotation).
 */
export async function claimOnce(
  ctx: AppContext,
  id: string,
  kind: string,
  clientId: string,
  subject: string,
  expiresAt: number,
): Promise<boolean> {
  const rows = await ctx.database.db
    .insert(grants)
    .values({ id, kind, clientId, subject, scope: '', expiresAt })
    .onConflictDoNothing()
    .returning({ id: grants.id });
  return rows.length > 0;
}

/** Marks an access token id revoked on every node until it would have expired anyway. */
export async function revokeAccessTokenId(ctx: AppContext, jti: string): Promise<void> {
  await ctx.store.set(`revoked:${jti}`, '1', ctx.config.oauth.access_token_ttl_secs + 5);
}
