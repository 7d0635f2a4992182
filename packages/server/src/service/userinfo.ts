import type { AppContext } from '../state/index.js';

export type UserinfoResult =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; error: 'invalid_token' | 'insufficient_scope' };

/** OIDC Core §5.3: claims by scope (§5.4) for a live, unrevoked user access token carrying `openid`. */
export async function userinfo(ctx: AppContext, token: string | undefined): Promise<UserinfoResult> {
  if (!token) return { ok: false, error: 'invalid_token' };
  const claims = await ctx.tokens.liveClaims(token);
  if (!claims) return { ok: false, error: 'invalid_token' };
  const scopes = (claims.scope ?? '').split(' ');
  if (!scopes.includes('openid')) return { ok: false, error: 'insufficient_scope' };
  const user = await ctx.users.find(claims.sub);
  if (!user) return { ok: false, error: 'invalid_token' };
  const out: Record<string, unknown> = { sub: user.id };
  if (scopes.includes('profile')) {
    out['preferred_username'] = user.username;
    if (user.name !== null) out['name'] = user.name;
  }
  if (scopes.includes('email') && user.email !== null) {
    out['email'] = user.email;
    // No e-mail verification flow exists yet, so no address is claimed verified.
    out['email_verified'] = false;
  }
  return { ok: true, claims: out };
}
