import { describe, expect, it } from 'vitest';
import { type ClientAuthMethod, createOAuth2Client, TokenError } from '../src/index.js';
import { SECRET, useTestProvider } from './support/oidc-provider.js';

const op = useTestProvider();

function client(clientId: string, method: ClientAuthMethod, extra: Record<string, unknown> = {}) {
  return createOAuth2Client({
    clientId,
    issuer: op.issuer,
    tokenEndpoint: `${op.issuer}/token`,
    introspectionEndpoint: `${op.issuer}/token/introspection`,
    revocationEndpoint: `${op.issuer}/token/revocation`,
    tokenEndpointAuthMethod: method,
    ...(method.startsWith('client_secret') ? { clientSecret: SECRET } : {}),
    ...extra,
  });
}

describe('client authentication against a real oidc-provider', () => {
  it.each([
    ['basic', 'client_secret_basic'],
    ['post', 'client_secret_post'],
    ['hmac', 'client_secret_jwt'],
  ] as const)('client %s obtains a client credentials token with %s', async (id, method) => {
    const token = await client(id, method)
      .clientCredentials()
      .requestToken({ scopes: ['api:read'] });
    expect(token.accessToken).toBeTruthy();
    expect(token.tokenType).toBe('Bearer');
    expect(token.expiresIn).toBeGreaterThan(0);
  });

  it('authenticates with private_key_jwt', async () => {
    const token = await client('pkjwt', 'private_key_jwt', { privateKey: op.privateJwk, keyId: 'k1' })
      .clientCredentials()
      .requestToken({ scopes: ['api:read'] });
    expect(token.accessToken).toBeTruthy();
  });

  it('reports a wrong secret as TokenError invalid_client', async () => {
    const error = await createOAuth2Client({
      clientId: 'basic',
      clientSecret: 'wrong-secret',
      tokenEndpoint: `${op.issuer}/token`,
    })
      .clientCredentials()
      .requestToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401 });
    expect((error as Error).message).not.toContain('wrong-secret');
  });
});

describe('introspection and revocation against a real oidc-provider', () => {
  it('introspects an active token, revokes it, then sees it inactive', async () => {
    const c = client('basic', 'client_secret_basic');
    const token = await c.clientCredentials().requestToken({ scopes: ['api:read'] });
    const before = await c.introspection().introspect({ token: token.accessToken });
    expect(before).toMatchObject({ active: true, clientId: 'basic' });
    await c.revocation().revoke({ token: token.accessToken, tokenTypeHint: 'access_token' });
    const after = await c.introspection().introspect({ token: token.accessToken });
    expect(after.active).toBe(false);
  });
});
