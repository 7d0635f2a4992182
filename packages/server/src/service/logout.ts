import { compactVerify } from 'jose';
import type { AppContext } from '../state/index.js';
import { publicSessionId, type Session } from './sessions.js';

/** The claims of an id_token_hint that logout relies on. */
export interface IdTokenHint {
  aud: string;
  sub: string;
  sid: string | undefined;
}

/**
 * Verifies an id_token_hint: it must be an ID token this server issued (OIDC RP-Initiated Logout 1.0 §2:
 * "ID Token previously issued by the OP"; §4: the OP MUST verify it was the issuer). Signature and issuer
 * are checked, expiry is ignored (§2). A token we signed is not necessarily an ID token: access tokens are
 * signed with the same keys, so the header `typ` must be the ID tokens' `JWT` (RFC 9068 §4: an `at+jwt`
 * must never be taken for another kind of token), and `aud` must name a registered client (an access
 * token's `aud` is the issuer or a resource, OIDC Core §2: an ID token's is the client_id).
 */
export async function verifyIdTokenHint(ctx: AppContext, token: string): Promise<IdTokenHint | undefined> {
  let claims: Record<string, unknown>;
  try {
    const { payload, protectedHeader } = await compactVerify(token, ctx.keys.verifier());
    if (protectedHeader.alg !== 'ES256' || protectedHeader.typ !== 'JWT') return undefined;
    claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (claims['iss'] !== ctx.config.oauth.issuer) return undefined;
  // Our ID tokens have exactly one audience, the client (user-tokens.ts).
  const aud = claims['aud'];
  if (typeof aud !== 'string' || typeof claims['sub'] !== 'string') return undefined;
  if (!(await ctx.clients.find(aud))) return undefined;
  return { aud, sub: claims['sub'], sid: typeof claims['sid'] === 'string' ? claims['sid'] : undefined };
}

/**
 * Whether the hint proves that the relying party is logging out *this* browser's user, so the OP may skip
 * asking (RP-Initiated Logout 1.0 §2: the OP must confirm with the End-User when the hint's subject is not
 * the one signed in; §6: without that, any site holding any ID token — another user's, say — could sign
 * this browser out). The subject must be the session's user and, when the hint carries a `sid`, it must
 * be this session's (an ID token from an earlier or another session of the same user does not count).
 */
export function hintMatchesSession(hint: IdTokenHint, session: Session, secret: string): boolean {
  if (hint.sub !== session.userId) return false;
  return hint.sid === undefined || hint.sid === publicSessionId(secret, session.sid);
}

/**
 * post_logout_redirect_uri must exactly equal one of the client's registered post_logout_redirect_uris
 * (RP-Initiated Logout 1.0 §3); redirect_uris are a different list and never allow a logout redirect.
 */
export async function logoutRedirectAllowed(
  ctx: AppContext,
  clientId: string,
  uri: string,
): Promise<boolean> {
  const client = await ctx.clients.find(clientId);
  return client?.postLogoutRedirectUris.includes(uri) ?? false;
}
