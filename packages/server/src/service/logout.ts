import { compactVerify } from 'jose';
import type { AppContext } from '../state/index.js';

/** Verifies an id_token_hint's signature and issuer; expiry is ignored (OIDC RP-Initiated Logout 1.0 §2). */
export async function verifyIdTokenHint(
  ctx: AppContext,
  token: string,
): Promise<{ aud: string; sub: string; sid: string | undefined } | undefined> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, ctx.keys.verifier());
    if (protectedHeader.alg !== 'ES256') return undefined;
    const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
    if (claims['iss'] !== ctx.config.oauth.issuer) return undefined;
    const aud = Array.isArray(claims['aud']) ? claims['aud'][0] : claims['aud'];
    if (typeof aud !== 'string' || typeof claims['sub'] !== 'string') return undefined;
    return { aud, sub: claims['sub'], sid: typeof claims['sid'] === 'string' ? claims['sid'] : undefined };
  } catch {
    return undefined;
  }
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
