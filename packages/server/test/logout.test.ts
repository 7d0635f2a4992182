import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KeyRepo } from '../src/repo/keys.js';
import { KeyService } from '../src/service/keys/keys.js';
import { signEs256Jwt } from '../src/service/tokens/jwt.js';
import { CLIENTS, SECRET, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  hiddenFields,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
} from './support/form-login.js';

/*
 * OpenID Connect RP-Initiated Logout 1.0: which id_token_hint signs a browser out without asking.
 * Only an ID token we issued (§2, §4) for the session's own user and session (§2, §6) skips the confirmation
 * page; anything else is an invalid hint (error page) or asks the user (CSRF-protected form). A hint under a
 * key we no longer publish can no longer be judged either way: the user is asked, and nothing redirects.
 */

const ISSUER = 'https://id.example.com';
const WEB = {
  ...WEB_APP,
  post_logout_redirect_uris: ['https://app.example.com/signed-out'],
};
const USERS = [
  { username: 'alice', password: 'correct horse battery', name: 'Alice' },
  { username: 'bob', password: 'battery staple horse', name: 'Bob' },
];
const SIGNED_OUT = 'https://app.example.com/signed-out';

type T = Awaited<ReturnType<typeof testApp>>;

describe('RP-initiated logout: id_token_hint', () => {
  let t: T;
  beforeAll(async () => {
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB], users: USERS });
  });
  afterAll(async () => t.close());

  const params = (challenge: string, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: 'https://app.example.com/cb',
    scope: 'openid',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  /** A browser signed in as `username`, and the tokens web-app got for that sign-in. */
  async function signedIn(username: string, b = new Browser(t)) {
    const { challenge, verifier } = pkce();
    const user = USERS.find((u) => u.username === username)!;
    const res = await signInThroughForms(b, params(challenge), username, user.password);
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    const tok = (await redeemWebAppCode(t.app, code, verifier)).json() as {
      access_token: string;
      id_token: string;
    };
    return { b, tok };
  }

  /** Whether the browser still has a Gatehouse session (prompt=none issues a code). */
  async function stillSignedIn(b: Browser) {
    const res = await b.request('GET', authorizeUrl(params(pkce().challenge, { prompt: 'none' })));
    return new URL(res.headers.location as string).searchParams.has('code');
  }

  const logout = (b: Browser, q: Record<string, string>) =>
    b.request('GET', `/api/oauth/logout?${new URLSearchParams(q)}`);

  it("asks for confirmation instead of signing out when the hint is another user's ID token", async () => {
    const { b: alice } = await signedIn('alice');
    const { tok: bobs } = await signedIn('bob');
    const res = await logout(alice, {
      id_token_hint: bobs.id_token,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'st',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('name="csrf_token"');
    expect(res.body).not.toContain(bobs.id_token);
    expect(await stillSignedIn(alice)).toBe(true);

    // Confirmed: signed out, and sent to the hint's client's registered URI with state.
    const ok = await alice.request('POST', '/api/oauth/logout', hiddenFields(res.body));
    expect(ok.statusCode).toBe(303);
    const loc = new URL(ok.headers.location as string);
    expect(loc.origin + loc.pathname).toBe(SIGNED_OUT);
    expect(loc.searchParams.get('state')).toBe('st');
    alice.cookies.delete('__Host-gh_session'); // https issuer: the prefixed name
    expect(await stillSignedIn(alice)).toBe(false);
  });

  it("asks for confirmation when the hint is the same user's ID token from another session (sid)", async () => {
    const { tok: fromPhone } = await signedIn('alice');
    const { b: laptop } = await signedIn('alice');
    expect(decodeJwt(fromPhone.id_token).sid).toBeTypeOf('string');
    const res = await logout(laptop, { id_token_hint: fromPhone.id_token });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('name="csrf_token"');
    expect(await stillSignedIn(laptop)).toBe(true);
  });

  it('signs out without asking when the hint is the ID token of this session', async () => {
    const { b, tok } = await signedIn('alice');
    const res = await logout(b, { id_token_hint: tok.id_token, post_logout_redirect_uri: SIGNED_OUT });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(SIGNED_OUT);
    expect(await stillSignedIn(b)).toBe(false);
  });

  it('refuses an access token (typ at+jwt) as id_token_hint and keeps the session', async () => {
    const { b, tok } = await signedIn('alice');
    // No post_logout_redirect_uri: the refusal must come from the hint itself, not from the redirect check.
    const res = await logout(b, { id_token_hint: tok.access_token });
    expect(res.statusCode).toBe(400);
    expect(res.headers.location).toBeUndefined();
    expect(await stillSignedIn(b)).toBe(true);
  });

  it('refuses a hint signed by us that is not an ID token: typ at+jwt, or aud not a registered client', async () => {
    const { b, tok } = await signedIn('alice');
    const claims = decodeJwt(tok.id_token);
    const key = t.ctx.keys.active();
    for (const forged of [
      // Everything an ID token of this session has, but typed as an access token.
      signEs256Jwt(key, 'at+jwt', claims),
      // An ID token shape for an audience that is no client of ours (an access token's issuer/resource aud).
      signEs256Jwt(key, 'JWT', { ...claims, aud: ISSUER }),
      signEs256Jwt(key, 'JWT', { ...claims, aud: 'no-such-client' }),
    ]) {
      const res = await logout(b, { id_token_hint: forged });
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
    }
    expect(await stillSignedIn(b)).toBe(true);
    // The genuine hint of the same session still works.
    expect((await logout(b, { id_token_hint: tok.id_token })).body).toContain('signed out');
  });

  it('asks, and never redirects, when the hint was signed by a key no longer published (dropped after rotation)', async () => {
    const { b, tok } = await signedIn('alice');
    // What a relying party holds when its session outlived our key: a genuine-looking ID token whose kid
    // is not in the JWKS any more. The server cannot tell it from any other token with an unknown kid.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const dropped = { kid: 'dropped-key-1', alg: 'ES256' as const, privateKey };
    const hint = signEs256Jwt(dropped, 'JWT', decodeJwt(tok.id_token));
    const res = await logout(b, {
      id_token_hint: hint,
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'st-9',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    // The form carries nothing to redirect to: the redirect URI and state were not validated (§4).
    const fields = hiddenFields(res.body);
    expect(Object.keys(fields)).toEqual(['csrf_token']);
    expect(await stillSignedIn(b)).toBe(true);
    const done = await b.request('POST', '/api/oauth/logout', fields);
    expect(done.statusCode).toBe(200);
    expect(done.headers.location).toBeUndefined();
    expect(done.body).toContain('signed out');
    expect(await stillSignedIn(b)).toBe(false);
  });

  it('accepts a hint signed by a key another node has just created, once this node reloads its keys', async () => {
    const { b, tok } = await signedIn('alice');
    // Another node on the same database rotates (no publish delay) and signs with the new key at once.
    const otherNode = new KeyService(new KeyRepo(t.ctx.database.db), SECRET);
    await otherNode.init();
    await otherNode.rotate();
    const hint = signEs256Jwt(otherNode.active(), 'JWT', decodeJwt(tok.id_token));
    expect(t.ctx.keys.jwks().keys.map((k) => k.kid)).not.toContain(otherNode.active().kid);
    // This node's keys were loaded more than the 5 s a reload on an unknown kid waits for.
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now + 10_000);
    try {
      const res = await logout(b, { id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(SIGNED_OUT);
    } finally {
      clock.mockRestore();
    }
    expect(await stillSignedIn(b)).toBe(false);
  });
});
