import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, testApp } from './support/app.js';
import { hiddenFields } from './support/form-login.js';
import { freePort } from './support/http.js';

const REDIRECT = 'http://127.0.0.1:45678/callback';
const USER = { username: 'bob', password: 'bob password 123', email: 'bob@example.com', name: 'Bob' };

/** fetch with a cookie jar and no automatic redirects, like a browser form round-trip. */
function browser() {
  const jar = new Map<string, string>();
  return async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string>),
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
    return res;
  };
}

describe('authorization code + PKCE, refresh and userinfo with openid-client against a listening server', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let issuer: string;

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await testApp({
      oauth: { issuer },
      clients: [
        ...CLIENTS,
        {
          client_id: 'rp',
          client_secret: 'rp-secret-0123456789abcdefghijklmn',
          grant_types: ['authorization_code', 'refresh_token'],
          redirect_uris: [REDIRECT],
        },
      ],
      users: [USER],
    });
    await t.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => t.close());

  it('completes the whole flow', async () => {
    const config = await client.discovery(
      new URL(issuer),
      'rp',
      'rp-secret-0123456789abcdefghijklmn',
      client.ClientSecretBasic('rp-secret-0123456789abcdefghijklmn'),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const redirectUri = REDIRECT;
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid profile email offline_access',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const go = browser();
    const login = await go(url.href);
    expect(login.status).toBe(200);
    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    let res = await go(
      `${issuer}/api/oauth/authorize`,
      form({ ...hiddenFields(await login.text()), username: 'bob', password: USER.password }),
    );
    if (res.status === 200) {
      res = await go(
        `${issuer}/api/oauth/authorize`,
        form({ ...hiddenFields(await res.text()), consent: 'approve' }),
      );
    }
    expect(res.status).toBe(303);
    const callback = new URL(res.headers.get('location')!);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.iss).toBe(issuer);
    expect(claims.aud).toBe('rp');
    expect(tokens.refresh_token).toBeTruthy();

    const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ sub: claims.sub, preferred_username: 'bob', email: 'bob@example.com' });

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});
