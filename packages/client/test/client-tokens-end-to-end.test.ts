import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createOAuth2Client,
  createOAuth2ClientFromDiscovery,
  createOAuth2ClientFromEnv,
  FileTokenStorage,
  TokenError,
  tokenKey,
} from '../src/index.js';
import { startLocalServer } from './support/local-server.js';
import { authorize, REDIRECT_URI, SECRET, useTestProvider } from './support/oidc-provider.js';

const op = useTestProvider();

describe('client.tokens() against a real oidc-provider', () => {
  it('a machine client gets a client-credentials token once and serves it from storage after', async () => {
    const client = createOAuth2Client({
      clientId: 'basic',
      clientSecret: SECRET,
      issuer: op.issuer,
      tokenEndpoint: `${op.issuer}/token`,
      introspectionEndpoint: `${op.issuer}/token/introspection`,
      scopes: ['api:read'],
    });
    const first = await client.tokens().getAccessToken('svc');
    const second = await client.tokens().getAccessToken('svc');
    expect(second.token).toBe(first.token);
    const info = await client.introspection().introspect({ token: first.token });
    expect(info.active).toBe(true);
  });

  it('stores a login, refreshes on force, keeps the rotated refresh token, and revokes on clear', async () => {
    const acquired: string[] = [];
    const refreshed: string[] = [];
    const client = await createOAuth2ClientFromDiscovery(
      op.issuer,
      { clientId: 'basic', clientSecret: SECRET },
      {
        redirectUri: REDIRECT_URI,
        onTokenAcquired: (key) => acquired.push(key),
        onTokenRefreshed: (key) => refreshed.push(key),
      },
    );
    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl({
      scopes: ['openid', 'offline_access'],
      prompt: 'consent',
    });
    const result = await flow.handleCallback(await authorize(request.url));
    const key = tokenKey({ provider: 'op', clientId: 'basic', userId: 'user-1' });

    const tokens = client.tokens();
    await tokens.storeTokens(key, result);
    expect(acquired).toEqual([key]);
    expect((await tokens.getAccessToken(key)).token).toBe(result.accessToken);

    const renewed = await tokens.forceRefresh(key);
    expect(refreshed).toEqual([key]);
    const stored = await tokens.getStoredTokens(key);
    expect(stored?.accessToken).toBe(renewed.token);
    expect(stored?.refreshToken).toBeTruthy();
    expect(stored?.metadata.refreshCount).toBe(1);
    expect(await client.userinfo(stored?.accessToken ?? '')).toMatchObject({ sub: 'user-1' });

    await tokens.clearTokens(key, { revoke: true });
    expect(await tokens.getStoredTokens(key)).toBeUndefined();
    // RFC 7009: the server refuses the revoked refresh token.
    await expect(client.refresh(stored?.refreshToken ?? '')).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('a user key with nothing stored asks for sign-in again', async () => {
    const client = createOAuth2Client({
      clientId: 'basic',
      clientSecret: SECRET,
      tokenEndpoint: `${op.issuer}/token`,
      authorizationEndpoint: `${op.issuer}/auth`,
      redirectUri: REDIRECT_URI,
    });
    const error = await client
      .tokens()
      .getAccessToken('nobody')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'reauthentication_required' });
  });
});

describe('the default transport is resilient', () => {
  it('retries a client-credentials request after a 503 and succeeds', async () => {
    let calls = 0;
    const server = await startLocalServer((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '0' }).end('<h1>down</h1>');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: 'at', token_type: 'Bearer', expires_in: 60 }));
    });
    try {
      const client = createOAuth2Client({
        clientId: 'c',
        clientSecret: 's',
        tokenEndpoint: `${server.url}/token`,
        resilience: { retry: { initialDelayMs: 10 } },
      });
      expect((await client.clientCredentials().requestToken()).accessToken).toBe('at');
      expect(calls).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('never resends an authorization-code exchange after a 503', async () => {
    let calls = 0;
    const server = await startLocalServer((_req, res) => {
      calls++;
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>down</h1>');
    });
    try {
      const client = createOAuth2Client({
        clientId: 'c',
        clientSecret: 's',
        tokenEndpoint: `${server.url}/token`,
        authorizationEndpoint: `${server.url}/auth`,
        redirectUri: 'http://127.0.0.1/cb',
        resilience: { retry: { initialDelayMs: 10 } },
      });
      await expect(client.authorizationCode().exchangeCode('c1')).rejects.toMatchObject({
        name: 'ProviderError',
      });
      expect(calls).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('OAUTH2_STORAGE_TYPE', () => {
  it('selects encrypted file storage for the token manager', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gh-env-')), 'tokens.json');
    const client = await createOAuth2ClientFromEnv({
      OAUTH2_CLIENT_ID: 'basic',
      OAUTH2_CLIENT_SECRET: SECRET,
      OAUTH2_TOKEN_ENDPOINT: `${op.issuer}/token`,
      OAUTH2_STORAGE_TYPE: 'file',
      OAUTH2_STORAGE_PATH: path,
      OAUTH2_STORAGE_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    const token = await client.tokens().getAccessToken('svc');
    const reread = new FileTokenStorage({ path, encryptionKey: Buffer.alloc(32, 7) });
    expect((await reread.get('svc'))?.accessToken).toBe(token.token);
  });

  it('names the variable when the value is wrong', async () => {
    await expect(
      createOAuth2ClientFromEnv({
        OAUTH2_CLIENT_ID: 'x',
        OAUTH2_TOKEN_ENDPOINT: 'http://127.0.0.1/token',
        OAUTH2_STORAGE_TYPE: 'disk',
      }),
    ).rejects.toThrow(/OAUTH2_STORAGE_TYPE/);
  });
});
