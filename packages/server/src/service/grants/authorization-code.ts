import { randomBytes } from 'node:crypto';
import type { Client } from '../../domain/index.js';
import { invalidRequest, OAuthError } from '../../error/index.js';
import type { AppContext } from '../../state/index.js';
import type { AuthRequest } from '../authorization-request.js';
import { hmacKey, nowSecs, sha256Key } from '../hash.js';
import type { Session } from '../sessions.js';
import { claimOnce, wasClaimed } from '../single-use.js';
import { issueRefreshToken, newFamily, revokeGrant, wantsRefreshToken } from './refresh-token.js';
import { issueUserTokens, type TokenEndpointResponse, type UserGrant } from './user-tokens.js';

/** An authorization code's server-side state, stored under the SHA-256 of the code. */
interface CodeRecord extends UserGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
}

const invalidGrant = (d: string) => new OAuthError('invalid_grant', d);
/** How long the "already used" marker outlives any code (codes live at most 10 minutes). */
const USED_MARKER_SECS = 10 * 60;
const CODE_USED = 'code_used';

/** RFC 6749 §4.1.2: a short-lived, single-use code bound to client, redirect URI and PKCE challenge. */
export async function issueAuthorizationCode(
  ctx: AppContext,
  req: AuthRequest,
  session: Session,
): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const rec: CodeRecord = {
    clientId: req.client.clientId,
    redirectUri: req.redirectUri,
    codeChallenge: req.codeChallenge,
    scope: req.scopes.join(' '),
    nonce: req.nonce,
    userId: session.userId,
    authTime: session.authTime,
    sid: session.sid,
  };
  await ctx.store.set(
    `code:${sha256Key(code)}`,
    JSON.stringify(rec),
    ctx.config.oauth.authorization_code_ttl_secs,
  );
  return code;
}

/**
 * RFC 6749 §4.1.3 + RFC 7636 §4.6 token request. A replayed code is refused and revokes every token
 * issued from it (RFC 6749 §4.1.2, RFC 9700 §4.2.4).
 */
export async function authorizationCodeGrant(
  ctx: AppContext,
  client: Client,
  params: { code: string | undefined; redirectUri: string | undefined; codeVerifier: string | undefined },
): Promise<TokenEndpointResponse> {
  if (!client.grantTypes.includes('authorization_code')) {
    throw new OAuthError('unauthorized_client', 'client may not use the authorization_code grant');
  }
  if (!params.code) throw invalidRequest('code is required');
  const key = sha256Key(params.code);
  // The grant id is derived from the code, so a replay can revoke the grant: the access token issued for
  // the code and everything refreshed from it. An HMAC under the server secret: the id is a claim anyone
  // holding the access token can read, and must not be computable from, or reveal, the code or its hash.
  const grantId = hmacKey(ctx.config.security.jwt_secret, `grant:${key}`);
  const replayed = async () => {
    await revokeGrant(ctx, grantId);
    return invalidGrant('authorization code already used');
  };
  if (await wasClaimed(ctx.store, CODE_USED, key)) throw await replayed();
  const raw = await ctx.store.get(`code:${key}`);
  if (!raw) throw invalidGrant('authorization code is invalid or expired');
  const rec = JSON.parse(raw) as CodeRecord;
  if (rec.clientId !== client.clientId) throw invalidGrant('authorization code was issued to another client');
  // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
  if (params.redirectUri !== rec.redirectUri) {
    throw invalidGrant('redirect_uri does not match the authorization request');
  }
  checkCodeVerifier(rec.codeChallenge, params.codeVerifier);
  // Atomic single use across nodes: the first to set the store's marker wins.
  if (!(await claimOnce(ctx.store, CODE_USED, key, nowSecs() + USED_MARKER_SECS))) throw await replayed();
  await ctx.store.set(`code:${key}`, '', 1);
  const res = await issueUserTokens(ctx, client, rec, grantId);
  if (wantsRefreshToken(client, rec.scope)) {
    res['refresh_token'] = await issueRefreshToken(ctx, newFamily(ctx, client, rec, grantId));
  }
  return res;
}

/** RFC 7636 §4.6 S256 check, and RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade. */
function checkCodeVerifier(challenge: string | undefined, verifier: string | undefined): void {
  if (challenge === undefined) {
    if (verifier !== undefined)
      throw invalidGrant('code_verifier sent for a code issued without code_challenge');
    return;
  }
  if (!verifier) throw invalidGrant('code_verifier is required');
  // RFC 7636 §4.1: 43–128 unreserved characters.
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) throw invalidGrant('malformed code_verifier');
  if (sha256Key(verifier) !== challenge) throw invalidGrant('PKCE verification failed');
}
