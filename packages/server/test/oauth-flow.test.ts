import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';
import { freePort } from './support/http.js';

describe('client credentials flow with openid-client against a listening server', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await testApp({ oauth: { issuer } });
    await t.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => t.close());

  const discover = (id = 'svc-post', secret = 'post-secret') =>
    client.discovery(new URL(issuer), id, secret, undefined, { execute: [client.allowInsecureRequests] });

  it('discovers the authorization server metadata', async () => {
    const config = await discover();
    const meta = config.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.token_endpoint).toBe(`${issuer}/api/oauth/token`);
    expect(meta.jwks_uri).toBe(`${issuer}/api/oauth/jwks`);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.authorization_response_iss_parameter_supported).toBe(true);
    const rfc8414 = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json();
    expect(rfc8414).toEqual(await (await fetch(`${issuer}/.well-known/openid-configuration`)).json());
  });

  it('mints an RFC 9068 access token verifiable against the JWKS, audience from resource', async () => {
    const config = await discover();
    const tokens = await client.clientCredentialsGrant(config, {
      scope: 'read',
      resource: 'https://api.example.com',
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(900);
    const header = decodeProtectedHeader(tokens.access_token);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(typeof header.kid).toBe('string');
    const jwks = createRemoteJWKSet(new URL(`${issuer}/api/oauth/jwks`));
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer,
      audience: 'https://api.example.com',
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ sub: 'svc-post', client_id: 'svc-post', scope: 'read' });
    expect(typeof payload.jti).toBe('string');
    expect(payload.exp! - payload.iat!).toBe(900);
    const wellKnownJwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    expect(wellKnownJwks.keys[0]?.kid).toBe(header.kid);
  });

  it('introspects and then revokes a token (client_secret_basic)', async () => {
    const config = await discover('svc-basic', 'basic-secret');
    const basicConfig = new client.Configuration(
      config.serverMetadata(),
      'svc-basic',
      'basic-secret',
      client.ClientSecretBasic('basic-secret'),
    );
    client.allowInsecureRequests(basicConfig);
    const tokens = await client.clientCredentialsGrant(basicConfig, { scope: 'read write' });
    const active = await client.tokenIntrospection(basicConfig, tokens.access_token);
    expect(active).toMatchObject({ active: true, client_id: 'svc-basic', scope: 'read write', aud: issuer });
    // Another client (a resource server) may introspect too.
    const other = await discover();
    expect((await client.tokenIntrospection(other, tokens.access_token)).active).toBe(true);
    // Only the owning client can revoke: another client's revocation is ignored.
    await client.tokenRevocation(other, tokens.access_token);
    expect((await client.tokenIntrospection(basicConfig, tokens.access_token)).active).toBe(true);
    await client.tokenRevocation(basicConfig, tokens.access_token);
    expect(await client.tokenIntrospection(basicConfig, tokens.access_token)).toEqual({ active: false });
    // Unknown tokens: revocation still succeeds.
    await client.tokenRevocation(basicConfig, 'not-a-token');
  });

  it('reports expired tokens as inactive', async () => {
    const port = await freePort();
    const iss = `http://127.0.0.1:${port}`;
    // `iat` is whole seconds, so a 1 s token issued at x.999 expires 1 ms later; 2 s leaves at least one.
    const short = await testApp({ oauth: { issuer: iss, access_token_ttl_secs: 2 } });
    try {
      await short.app.listen({ host: '127.0.0.1', port });
      const config = await client.discovery(new URL(iss), 'svc-post', 'post-secret', undefined, {
        execute: [client.allowInsecureRequests],
      });
      const tokens = await client.clientCredentialsGrant(config, {});
      expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(true);
      const { exp } = decodeJwt(tokens.access_token);
      await new Promise((r) => setTimeout(r, exp! * 1000 - Date.now() + 50));
      expect((await client.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    } finally {
      await short.close();
    }
  });

  it('surfaces RFC 6749 errors to the client library', async () => {
    const config = await discover();
    await expect(client.clientCredentialsGrant(config, { scope: 'admin' })).rejects.toMatchObject({
      error: 'invalid_scope',
      status: 400,
    });
    const bad = await discover('svc-post', 'wrong');
    await expect(client.clientCredentialsGrant(bad, {})).rejects.toMatchObject({
      error: 'invalid_client',
      status: 401,
    });
  });
});
