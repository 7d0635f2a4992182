import { beforeAll, describe, expect, it } from 'vitest';
import { AuthorizationError, createOAuth2ClientFromDiscovery, type OAuth2Client } from '../src/index.js';
import { authorize, REDIRECT_URI, SECRET, useTestProvider } from './support/oidc-provider.js';

const op = useTestProvider();
let client: OAuth2Client;
beforeAll(async () => {
  client = await createOAuth2ClientFromDiscovery(
    op.issuer,
    { clientId: 'basic', clientSecret: SECRET },
    { redirectUri: REDIRECT_URI },
  );
});

describe('authorization code + PKCE against a real oidc-provider', () => {
  it('builds a URL with S256 PKCE, 128-bit state and a nonce for openid', async () => {
    const request = await client.authorizationCodePkce().buildAuthorizationUrl({ scopes: ['openid'] });
    const url = new URL(request.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(request.codeVerifier).toHaveLength(64);
    expect(Buffer.from(request.state, 'base64url')).toHaveLength(16);
    expect(url.searchParams.get('nonce')).toBe(request.nonce);
  });

  it('completes login, validates the ID token, refreshes and reads userinfo', async () => {
    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl({
      scopes: ['openid', 'offline_access'],
      prompt: 'consent',
    });
    const callback = await authorize(request.url);
    expect(callback.searchParams.get('iss')).toBe(op.issuer);
    const result = await flow.handleCallback(callback);
    expect(result.idTokenClaims).toMatchObject({
      sub: 'user-1',
      aud: 'basic',
      iss: op.issuer,
      nonce: request.nonce,
    });
    expect(result.refreshToken).toBeTruthy();

    const refreshed = await client.refresh(result.refreshToken ?? '');
    expect(refreshed.accessToken).toBeTruthy();
    const info = await client.userinfo(refreshed.accessToken);
    expect(info['sub']).toBe('user-1');
  });

  it('rejects a replayed state', async () => {
    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    const callback = await authorize(request.url);
    await flow.handleCallback(callback);
    const error = await flow.handleCallback(callback).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthorizationError);
    expect(error).toMatchObject({ code: 'state_mismatch' });
  });

  it('rejects an iss mismatch and a missing iss (RFC 9207)', async () => {
    const flow = client.authorizationCodePkce();
    const a = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    await expect(
      flow.handleCallback({ code: 'x', state: a.state, iss: 'https://evil.example' }),
    ).rejects.toMatchObject({
      code: 'iss_mismatch',
    });
    const b = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    await expect(flow.handleCallback({ code: 'x', state: b.state })).rejects.toMatchObject({
      code: 'iss_missing',
    });
  });

  it('maps an error response to AuthorizationError', async () => {
    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl();
    const params = new URLSearchParams({
      error: 'access_denied',
      error_description: 'user said no',
      state: request.state,
      iss: op.issuer,
    });
    await expect(flow.handleCallback(params)).rejects.toMatchObject({
      name: 'AuthorizationError',
      code: 'access_denied',
      errorDescription: 'user said no',
    });
  });

  it('rejects an unknown state', async () => {
    await expect(
      client.authorizationCodePkce().handleCallback({ code: 'x', state: 'nope', iss: op.issuer }),
    ).rejects.toMatchObject({ code: 'state_mismatch' });
  });
});

describe('authorization code exchange against a real oidc-provider', () => {
  it('rejects a reused code with TokenError invalid_grant', async () => {
    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    const callback = await authorize(request.url);
    const code = callback.searchParams.get('code') ?? '';
    const options = {
      codeVerifier: request.codeVerifier ?? '',
      ...(request.nonce ? { nonce: request.nonce } : {}),
    };
    await expect(flow.exchangeCode(code, options)).resolves.toMatchObject({
      idTokenClaims: { sub: 'user-1' },
    });
    await expect(flow.exchangeCode(code, options)).rejects.toMatchObject({
      name: 'TokenError',
      code: 'invalid_grant',
    });
  });

  it('rejects a wrong PKCE verifier with invalid_grant', async () => {
    const flow = client.authorizationCodePkce();
    const request = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    const callback = await authorize(request.url);
    const code = callback.searchParams.get('code') ?? '';
    await expect(flow.exchangeCode(code, { codeVerifier: 'x'.repeat(64) })).rejects.toMatchObject({
      code: 'invalid_grant',
    });
  });
});

describe('authorization code without PKCE (confidential client)', () => {
  it('sends no code_challenge and completes the exchange', async () => {
    const flow = client.authorizationCode();
    const request = await flow.buildAuthorizationUrl({ scopes: ['openid'] });
    expect(request.codeVerifier).toBeUndefined();
    expect(new URL(request.url).searchParams.has('code_challenge')).toBe(false);
    const callback = await authorize(request.url);
    await expect(flow.handleCallback(callback)).resolves.toMatchObject({ idTokenClaims: { sub: 'user-1' } });
  });
});
