import type { Client } from '../../domain/index.js';
import { type RefreshTokens, wantsRefreshToken } from '../tokens/refresh-tokens.js';
import type { UserGrant, UserTokens } from '../tokens/user-tokens.js';
import type { TokenEndpointResponse } from './grant.js';

/**
 * The tokens of a grant the user has just approved (an authorization code or a device code redeemed): access
 * token and, with `openid`, ID token; a refresh token that starts the grant's family when the client asked for
 * `offline_access` and may use the refresh_token grant (OIDC Core §11).
 */
export async function issueFirstTokens(
  userTokens: UserTokens,
  refreshTokens: RefreshTokens,
  client: Client,
  grant: UserGrant,
  grantId: string,
): Promise<TokenEndpointResponse> {
  const res = await userTokens.issue(client, grant, grantId);
  if (wantsRefreshToken(client, grant.scope)) {
    res['refresh_token'] = await refreshTokens.issueFirst(client, grant, grantId);
  }
  return res;
}
