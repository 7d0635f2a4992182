/** Re-authentication that cannot be skipped, sessions a new sign-in replaces, and deleted users. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestApp, testApp } from './support/app.js';
import { ISSUER, loginAndConsent, SESSION_COOKIE, USERS, WEB, webAppToken } from './support/authorize.js';
import {
  authorizeUrl,
  Browser,
  FORM,
  hiddenFields,
  pkce,
  signInThroughForms,
  webAppOpenidParams,
} from './support/form-login.js';
import { basic } from './support/http.js';

describe('re-authentication and deleted users', () => {
  let t: TestApp;
  const BOB = { username: 'bob', password: 'bob password 1' };
  const ERIN = { username: 'erin', password: 'erin password 1' };
  beforeAll(async () => {
    t = await testApp({
      oauth: { issuer: ISSUER },
      clients: [...CLIENTS, WEB],
      users: [...USERS, BOB, ERIN],
    });
  });
  afterAll(async () => t.close());

  const params = webAppOpenidParams;
  const codeIn = (res: { headers: Record<string, unknown> }) =>
    new URL(res.headers['location'] as string).searchParams.get('code');

  it('does not let prompt=login or max_age be skipped by posting the consent form from the login page', async () => {
    const b = new Browser(t);
    await loginAndConsent(b, params());
    await new Promise((r) => setTimeout(r, 1100));
    for (const extra of [{ prompt: 'login' }, { max_age: '1' }, { max_age: '0' }]) {
      // A scope never approved, so that a consent page follows the login.
      const p = params({ ...extra, scope: 'openid email' });
      const page = await b.request('GET', authorizeUrl(p));
      expect(page.body, JSON.stringify(extra)).toContain('autocomplete="current-password"');
      const skipped = await b.request('POST', '/api/oauth/authorize', {
        ...hiddenFields(page.body),
        consent: 'approve',
      });
      expect(skipped.statusCode, JSON.stringify(extra)).toBe(200);
      expect(skipped.body).toContain('autocomplete="current-password"');
      expect(skipped.headers.location).toBeUndefined();
    }
    // Signing in on that page, then approving, works: the consent form carries the proof of that sign-in.
    const res = await loginAndConsent(b, params({ prompt: 'login', scope: 'openid email' }));
    expect(res.statusCode).toBe(303);
    expect(codeIn(res)).toBeTruthy();
  });

  it('ends the session a new sign-in replaces, so a kept copy of the old cookie signs nobody in', async () => {
    const b = new Browser(t);
    await loginAndConsent(b, params());
    const alicesCookie = b.cookies.get(SESSION_COOKIE)!;
    // Bob signs in on the same browser (a shared computer).
    const bobs = await signInThroughForms(b, params({ prompt: 'login' }), BOB.username, BOB.password);
    expect(codeIn(bobs)).toBeTruthy();
    expect(b.cookies.get(SESSION_COOKIE)).not.toBe(alicesCookie);
    const kept = new Browser(t);
    kept.cookies.set(SESSION_COOKIE, alicesCookie);
    const res = await kept.request('GET', authorizeUrl(params({ prompt: 'none' })));
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('login_required');
  });

  it('asks again for max_age=0 even within the second of the sign-in', async () => {
    const b = new Browser(t);
    await loginAndConsent(b, params());
    const again = await b.request('GET', authorizeUrl(params({ max_age: '0' })));
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('autocomplete="current-password"');
  });

  it('ends the single sign-on of a deleted user and refuses the codes issued to them', async () => {
    const { challenge, verifier } = pkce();
    const b = new Browser(t);
    const signedIn = await signInThroughForms(
      b,
      params({ code_challenge: challenge, scope: 'openid offline_access' }),
      'bob',
      BOB.password,
    );
    const code = codeIn(signedIn)!;
    expect(await t.ctx.users.delete('bob')).toBe(true);

    const silent = await b.request('GET', authorizeUrl(params({ prompt: 'none' })));
    expect(new URL(silent.headers.location as string).searchParams.get('error')).toBe('login_required');
    const tok = await webAppToken(t, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: verifier,
    });
    expect(tok.statusCode).toBe(400);
    expect(tok.json().error).toBe('invalid_grant');
  });

  it("makes a deleted user's access tokens inactive at introspection, as at userinfo", async () => {
    const { challenge, verifier } = pkce();
    const signedIn = await signInThroughForms(
      new Browser(t),
      params({ code_challenge: challenge }),
      'erin',
      ERIN.password,
    );
    const tok = await webAppToken(t, {
      grant_type: 'authorization_code',
      code: codeIn(signedIn)!,
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: verifier,
    });
    const accessToken = tok.json().access_token as string;
    const introspect = async () =>
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/oauth/introspect',
          headers: { ...FORM, authorization: basic('svc-basic', 'basic-secret') },
          payload: new URLSearchParams({ token: accessToken }).toString(),
        })
      ).json();
    expect((await introspect()).active).toBe(true);
    expect(await t.ctx.users.delete('erin')).toBe(true);
    expect(await introspect()).toEqual({ active: false });
    const userinfo = await t.app.inject({
      method: 'GET',
      url: '/api/oauth/userinfo',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(userinfo.statusCode).toBe(401);
  });
});
