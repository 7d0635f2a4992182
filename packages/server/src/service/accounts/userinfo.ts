import { parseScope } from '../scopes.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { UserService } from './users.js';

export type UserinfoResult =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; error: 'invalid_token' | 'insufficient_scope' };

/** OIDC Core §5.3: claims by scope (§5.4) for a live, unrevoked user access token carrying `openid`. */
export class Userinfo {
  constructor(
    private readonly accessTokens: Pick<AccessTokens, 'liveClaims'>,
    private readonly users: Pick<UserService, 'find'>,
  ) {}

  async claims(token: string | undefined): Promise<UserinfoResult> {
    if (!token) return { ok: false, error: 'invalid_token' };
    const claims = await this.accessTokens.liveClaims(token);
    if (!claims) return { ok: false, error: 'invalid_token' };
    const scopes = parseScope(claims.scope);
    if (!scopes.includes('openid')) return { ok: false, error: 'insufficient_scope' };
    const user = await this.users.find(claims.sub);
    if (!user) return { ok: false, error: 'invalid_token' };
    const out: Record<string, unknown> = { sub: user.id };
    if (scopes.includes('profile')) {
      out['preferred_username'] = user.username;
      if (user.name !== null) out['name'] = user.name;
    }
    if (scopes.includes('email') && user.email !== null) {
      out['email'] = user.email;
      // Nothing verifies e-mail addresses, so none is claimed verified.
      out['email_verified'] = false;
    }
    return { ok: true, claims: out };
  }
}
