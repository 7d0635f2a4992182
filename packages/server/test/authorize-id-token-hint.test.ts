import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowSecs } from '../src/service/clock.js';
import { signEs256Jwt } from '../src/service/tokens/jwt.js';
import { CLIENTS, hashedSecret, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
  webAppOpenidParams,
} from './support/form-login.js';

/*
 * OIDC Core §3.1.2.1 id_token_hint at the authorization endpoint: "If the End-User identified by the ID Token
 * is logged in or is logged in by the request, then the Authorization Server returns a positive response;
 * otherwise, it SHOULD return an error, such as login_required."
 */

const ISSUER = 'https://id.example.com';
const OTHER = { ...WEB_APP, client_id: 'other-app', ...hashedSecret('other-secret') };
const USERS = [
  { username: 'alice', password: 'correct horse battery', name: 'Alice' },
  { username: 'bob', password: 'battery staple horse', name: 'Bob' },
];

type T = Awaited<ReturnType<typeof testApp>>;

describe('authorization endpoint: id_token_hint', () => {
  let t: T;
  beforeAll(async () => {
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB_APP, OTHER], users: USERS });
  });
  afterAll(async () => t.close());

  const params = (extra: Record<string, string> = {}) => webAppOpenidParams({ state: 'st', ...extra });

  /** A browser signed in as `username` (consent given to web-app), and the ID token web-app got. */
  async function signedIn(username: string) {
    const b = new Browser(t);
    const { challenge, verifier } = pkce();
    const user = USERS.find((u) => u.username === username)!;
    const res = await signInThroughForms(b, params({ code_challenge: challenge }), username, user.password);
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    const tok = (await redeemWebAppCode(t.app, code, verifier)).json() as { id_token: string };
    return { b, idToken: tok.id_token, sub: decodeJwt(tok.id_token).sub as string };
  }

  /** The redirect's query (error or code), checked to carry state and iss (RFC 9207). */
  const answer = (res: { statusCode: number; headers: Record<string, unknown> }) => {
    expect(res.statusCode).toBeGreaterThanOrEqual(302);
    const q = new URL(res.headers['location'] as string).searchParams;
    expect(q.get('state')).toBe('st');
    expect(q.get('iss')).toBe(ISSUER);
    return q;
  };

  it('issues a code with prompt=none when the hint names the signed-in user, even an expired hint', async () => {
    const { b, idToken } = await signedIn('alice');
    const expired = signEs256Jwt(t.ctx.keys.active(), 'JWT', {
      ...decodeJwt(idToken),
      iat: nowSecs() - 7200,
      exp: nowSecs() - 3600,
    });
    for (const hint of [idToken, expired]) {
      const res = await b.request('GET', authorizeUrl(params({ prompt: 'none', id_token_hint: hint })));
      expect(answer(res).get('code')).toBeTruthy();
    }
  });

  it("answers prompt=none with login_required, not a code, when the hint is another user's ID token", async () => {
    const { b: alice } = await signedIn('alice');
    const { idToken: bobs } = await signedIn('bob');
    const res = await alice.request('GET', authorizeUrl(params({ prompt: 'none', id_token_hint: bobs })));
    const q = answer(res);
    expect(q.get('error')).toBe('login_required');
    expect(q.has('code')).toBe(false);
  });

  it('refuses a hint that is not our ID token for this client with a redirected invalid_request', async () => {
    const { b, idToken } = await signedIn('alice');
    const claims = decodeJwt(idToken);
    const key = t.ctx.keys.active();
    for (const hint of [
      'garbage',
      `${idToken.slice(0, -4)}AAAA`, // signature no longer matches
      signEs256Jwt(key, 'at+jwt', claims), // signed by us, but typed as an access token
      signEs256Jwt(key, 'JWT', { ...claims, aud: 'other-app' }), // an ID token of another client
      signEs256Jwt(key, 'JWT', { ...claims, iss: 'https://elsewhere.example.com' }),
    ]) {
      const res = await b.request('GET', authorizeUrl(params({ prompt: 'none', id_token_hint: hint })));
      const q = answer(res);
      expect(q.get('error')).toBe('invalid_request');
      expect(q.has('code')).toBe(false);
    }
  });

  it("shows the login page for another user's hint, and the hinted user's sign-in gets the code", async () => {
    const { b: browser } = await signedIn('alice');
    const { idToken: bobs, sub: bobSub } = await signedIn('bob');
    const { challenge, verifier } = pkce();
    const page = await browser.request(
      'GET',
      authorizeUrl(params({ id_token_hint: bobs, code_challenge: challenge })),
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('name="password"');
    // Alice's session cannot approve it either, even with a valid CSRF token: she gets the login page.
    const consent = await browser.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      consent: 'approve',
    });
    expect(consent.statusCode).toBe(200);
    expect(consent.body).toContain('name="password"');

    const res = await browser.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      username: 'bob',
      password: USERS[1]!.password,
    });
    const code = answer(res).get('code')!;
    const tok = (await redeemWebAppCode(t.app, code, verifier)).json() as { id_token: string };
    expect(decodeJwt(tok.id_token).sub).toBe(bobSub);
  });

  it('answers login_required when another user than the hinted one signs in on the login page', async () => {
    const { idToken: bobs } = await signedIn('bob');
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(params({ id_token_hint: bobs })));
    expect(page.statusCode).toBe(200);
    const res = await b.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      username: 'alice',
      password: USERS[0]!.password,
    });
    const q = answer(res);
    expect(q.get('error')).toBe('login_required');
    expect(q.has('code')).toBe(false);
  });
});
