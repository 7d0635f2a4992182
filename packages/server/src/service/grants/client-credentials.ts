import { randomUUID } from 'node:crypto';
import { type AccessTokenClaims, type Client, isResourceIndicator } from '../../domain/index.js';
import { invalidTarget } from '../../error/index.js';
import { nowSecs } from '../clock.js';
import { clientCredentialsScopes } from '../scopes.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { Grant, TokenEndpointResponse, TokenRequest } from './grant.js';

/** RFC 6749 §4.4 client credentials grant, RFC 8707 resource indicators, RFC 9068 JWT access token. */
export class ClientCredentialsGrant implements Grant {
  readonly grantType = 'client_credentials';
  readonly publicClients = false;
  readonly resourceIndicators = true;
  readonly metricLabel = 'client_credentials';

  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly issuer: string,
  ) {}

  async exchange(client: Client, request: TokenRequest): Promise<TokenEndpointResponse> {
    const scopes = clientCredentialsScopes(client, request.param('scope'));
    const resources = request.params('resource');
    if (!resources.every(isResourceIndicator)) {
      throw invalidTarget('resource must be an absolute URI without a fragment');
    }
    // RFC 8707 §2: a resource the client is not registered for is refused, not turned into an audience —
    // otherwise any client could mint tokens that another resource server accepts.
    if (!resources.every((r) => client.resources.includes(r))) {
      throw invalidTarget('resource not allowed for this client');
    }
    const now = nowSecs();
    const ttl = this.accessTokens.ttlSecs;
    const claims: AccessTokenClaims = {
      iss: this.issuer,
      sub: client.clientId,
      aud: resources.length === 0 ? this.issuer : resources.length === 1 ? resources[0]! : resources,
      client_id: client.clientId,
      ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}),
      iat: now,
      exp: now + ttl,
      jti: randomUUID(),
    };
    return {
      access_token: await this.accessTokens.sign(claims),
      token_type: 'Bearer',
      expires_in: ttl,
      ...(claims.scope !== undefined ? { scope: claims.scope } : {}),
    };
  }
}
