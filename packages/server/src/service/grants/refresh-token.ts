import type { Client } from '../../domain/index.js';
import { invalidRequest } from '../../error/index.js';
import { narrowedScope } from '../scopes.js';
import type { RefreshTokens } from '../tokens/refresh-tokens.js';
import type { UserTokens } from '../tokens/user-tokens.js';
import type { Grant, TokenEndpointResponse, TokenRequest } from './grant.js';

/**
 * RFC 6749 §6 refresh with rotation: every use returns a new refresh token, and a rotated token used again
 * revokes its whole family (OAuth 2.1 §4.3.1, RFC 9700 §4.14.2). Scope may narrow, never widen.
 */
export class RefreshTokenGrant implements Grant {
  readonly grantType = 'refresh_token';
  readonly publicClients = true;
  readonly resourceIndicators = false;
  readonly metricLabel = 'refresh_token';

  constructor(
    private readonly refreshTokens: RefreshTokens,
    private readonly userTokens: UserTokens,
  ) {}

  async exchange(client: Client, request: TokenRequest): Promise<TokenEndpointResponse> {
    const token = request.param('refresh_token');
    if (!token) throw invalidRequest('refresh_token is required');
    const scope = request.param('scope');
    // A wider scope is refused before a live token is spent (a refused request must leave it usable). A token
    // that is not live goes on to the rotation, whose answer — and reuse detection — must not depend on it.
    if (scope !== undefined) {
      const granted = await this.refreshTokens.liveScope(client, token);
      if (granted !== undefined) narrowedScope(granted, scope);
    }
    const { grant, successor } = await this.refreshTokens.rotate(client, token);
    const { userId, authTime, sid } = grant;
    // A refreshed ID token carries no nonce (OIDC Core §12.2).
    const res = await this.userTokens.issue(
      client,
      { userId, authTime, sid, scope: narrowedScope(grant.scope, scope), nonce: undefined },
      grant.family,
    );
    res['refresh_token'] = successor;
    return res;
  }
}
