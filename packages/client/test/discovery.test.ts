import { beforeEach, describe, expect, it } from 'vitest';
import {
  clearDiscoveryCache,
  createOAuth2ClientFromDiscovery,
  createOAuth2ClientFromEnv,
  discover,
  ProtocolError,
} from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';
import { SECRET, useTestProvider } from './support/oidc-provider.js';

const op = useTestProvider();
beforeEach(() => clearDiscoveryCache());

describe('discovery', () => {
  it('discovers a real oidc-provider and uses its endpoints', async () => {
    const client = await createOAuth2ClientFromDiscovery(op.issuer, {
      clientId: 'basic',
      clientSecret: SECRET,
    });
    expect(client.config.tokenEndpoint).toBe(`${op.issuer}/token`);
    expect(client.config.jwksUri).toBe(`${op.issuer}/jwks`);
    const token = await client.clientCredentials().requestToken({ scopes: ['api:read'] });
    expect(token.accessToken).toBeTruthy();
  });

  it('caches metadata per issuer', async () => {
    let calls = 0;
    let server: LocalServer | undefined;
    server = await startLocalServer((_req, res) => {
      calls++;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: server?.url, token_endpoint: `${server?.url}/token` }));
    });
    await discover(server.url);
    await discover(server.url);
    expect(calls).toBe(1);
    await server.close();
  });

  it('falls back to oauth-authorization-server and rejects an issuer mismatch', async () => {
    const server = await startLocalServer((req, res) => {
      if (req.url?.startsWith('/.well-known/openid-configuration')) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ issuer: 'https://evil.example', token_endpoint: 'https://evil.example/token' }),
        );
    });
    const error = await discover(server.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'discovery_failed' });
    expect(server.requests.map((r) => r.url)).toEqual([
      '/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server',
    ]);
    await server.close();
  });
});

describe('createOAuth2ClientFromEnv', () => {
  it('builds a client from OAUTH2_* variables with discovery', async () => {
    const client = await createOAuth2ClientFromEnv({
      OAUTH2_CLIENT_ID: 'post',
      OAUTH2_CLIENT_SECRET: SECRET,
      OAUTH2_ISSUER: op.issuer,
      OAUTH2_SCOPES: 'api:read, openid',
      OAUTH2_TIMEOUT_SECS: '5',
    });
    expect(client.config.scopes).toEqual(['api:read', 'openid']);
    expect(client.config.timeoutSecs).toBe(5);
  });

  it('builds a client from explicit endpoints and names a missing variable', async () => {
    const client = await createOAuth2ClientFromEnv({
      OAUTH2_CLIENT_ID: 'x',
      OAUTH2_TOKEN_ENDPOINT: 'https://idp.example/token',
      OAUTH2_SCOPES: 'a b',
    });
    expect(client.config.scopes).toEqual(['a', 'b']);
    await expect(createOAuth2ClientFromEnv({})).rejects.toThrow(/OAUTH2_CLIENT_ID/);
    await expect(createOAuth2ClientFromEnv({ OAUTH2_CLIENT_ID: 'x' })).rejects.toThrow(
      /OAUTH2_TOKEN_ENDPOINT/,
    );
  });
});
