/** The refresh_token grant of a code flow: rotation, reuse detection, revocation and the family's lifetime. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestApp, testApp } from './support/app.js';
import {
  baseParams,
  codeExchange,
  codeFor,
  ISSUER,
  loginAndConsent,
  signInAndRedeem,
  USERS,
  useAuthorizeServer,
  WEB,
  webAppToken,
} from './support/authorize.js';
import { Browser, FORM, pkce, postAsWebApp } from './support/form-login.js';
import { basic } from './support/http.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();
  const exchange = codeExchange(t);

  describe('refresh_token grant', () => {
    const refresh = (form: Record<string, string>) =>
      webAppToken(t, { grant_type: 'refresh_token', ...form });
    const introspect = async (token: string) =>
      (await postAsWebApp(t.app, '/api/oauth/introspect', { token })).json();

    async function tokens(scope = 'openid profile offline_access') {
      const { response, tok } = await signInAndRedeem(t, scope);
      expect(response.statusCode).toBe(200);
      return tok;
    }

    it('issues an opaque refresh token only with offline_access', async () => {
      expect((await tokens('openid profile')).refresh_token).toBeUndefined();
      const rt = (await tokens()).refresh_token as string;
      expect(rt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('rotates the refresh token on every use and may narrow but never widen scope', async () => {
      const first = await tokens();
      const r1 = await refresh({ refresh_token: first.refresh_token, scope: 'openid' });
      expect(r1.statusCode).toBe(200);
      expect(r1.json().scope).toBe('openid');
      expect(r1.json().refresh_token).not.toBe(first.refresh_token);
      const wider = await refresh({ refresh_token: r1.json().refresh_token, scope: 'openid email' });
      expect(wider.json().error).toBe('invalid_scope');
      const r2 = await refresh({ refresh_token: r1.json().refresh_token });
      expect(r2.statusCode).toBe(200);
      expect(r2.json().scope).toBe('openid profile offline_access');
    });

    it('revokes the whole family when a rotated refresh token is reused', async () => {
      const first = await tokens();
      const r1 = (await refresh({ refresh_token: first.refresh_token })).json();
      const reuse = await refresh({ refresh_token: first.refresh_token });
      expect(reuse.json().error).toBe('invalid_grant');
      expect((await refresh({ refresh_token: r1.refresh_token })).json().error).toBe('invalid_grant');
      expect(await introspect(r1.access_token)).toEqual({ active: false });
    });

    it('lets at most one of two concurrent refreshes with the same token succeed, and revokes the grant', async () => {
      const first = await tokens();
      const results = await Promise.all([
        refresh({ refresh_token: first.refresh_token }),
        refresh({ refresh_token: first.refresh_token }),
      ]);
      // The loser is reuse (RFC 9700 §4.14.2); the winner answered 200 only if it did so before the revocation.
      expect([
        [200, 400],
        [400, 400],
      ]).toContainEqual(results.map((r) => r.statusCode).sort());
      const won = results.find((r) => r.statusCode === 200);
      if (won !== undefined) {
        expect((await refresh({ refresh_token: won.json().refresh_token })).json().error).toBe(
          'invalid_grant',
        );
      }
    });

    it('rejects a refresh token presented by another client', async () => {
      const first = await tokens();
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers: FORM,
        payload: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token,
          client_id: 'native-app',
        }).toString(),
      });
      expect(res.json().error).toBe('unauthorized_client');
    });

    it('revokes a refresh token at the revocation endpoint together with its grant (RFC 7009 §2.1)', async () => {
      const first = await tokens();
      const r1 = (await refresh({ refresh_token: first.refresh_token })).json();
      const revoke = (authorization: string) =>
        t.app.inject({
          method: 'POST',
          url: '/api/oauth/revoke',
          headers: { ...FORM, authorization },
          payload: new URLSearchParams({
            token: r1.refresh_token,
            token_type_hint: 'refresh_token',
          }).toString(),
        });
      // Another client cannot revoke it: 200 (RFC 7009 §2.2) but nothing happens.
      expect((await revoke(basic('svc-basic', 'basic-secret'))).statusCode).toBe(200);
      expect((await introspect(r1.access_token)).active).toBe(true);
      expect((await revoke(basic('web-app', 'web-secret'))).statusCode).toBe(200);
      expect((await refresh({ refresh_token: r1.refresh_token })).json().error).toBe('invalid_grant');
      expect(await introspect(r1.access_token)).toEqual({ active: false });
      expect(await introspect(first.access_token)).toEqual({ active: false });
    });

    it('revokes the refresh token family when the authorization code is replayed', async () => {
      const { challenge, verifier } = pkce();
      const res = await loginAndConsent(
        new Browser(t),
        baseParams(challenge, { scope: 'openid offline_access' }),
      );
      const code = new URL(res.headers.location as string).searchParams.get('code')!;
      const form = { code, redirect_uri: 'https://app.example.com/cb', code_verifier: verifier };
      const first = (await exchange(form)).json();
      expect((await exchange(form)).json().error).toBe('invalid_grant');
      expect((await refresh({ refresh_token: first.refresh_token })).json().error).toBe('invalid_grant');
    });
  });
});

describe('refresh token absolute lifetime', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({
      oauth: { issuer: ISSUER, refresh_token_ttl_secs: 4 },
      clients: [...CLIENTS, WEB],
      users: USERS,
    });
  });
  afterAll(async () => t.close());

  it('does not extend the lifetime on rotation and rejects the family after it', async () => {
    const { code, verifier } = await codeFor(new Browser(t), 'offline_access');
    const send = (payload: Record<string, string>) => webAppToken(t, payload);
    const first = await send({
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: verifier,
    });
    // Expiry has one-second granularity: the family ends at floor(t0) + 4 s, i.e. within (t0 + 3, t0 + 4].
    const t0 = Date.now();
    const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, t0 + ms - Date.now())));
    await sleepUntil(1500);
    const rotated = await send({ grant_type: 'refresh_token', refresh_token: first.json().refresh_token });
    expect(rotated.statusCode).toBe(200);
    // Past the family's end, but before a lifetime restarted at rotation (> t0 + 4.5 s) would end.
    await sleepUntil(4050);
    const late = await send({ grant_type: 'refresh_token', refresh_token: rotated.json().refresh_token });
    expect(late.json().error).toBe('invalid_grant');
  });
});
