/** The login page, its CSRF protection and cookies, and the throttling of failed logins. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestApp, testApp } from './support/app.js';
import { baseParams, ISSUER, SESSION_COOKIE, USERS, useAuthorizeServer, WEB } from './support/authorize.js';
import {
  authorizeUrl,
  Browser,
  FORM,
  hiddenFields,
  pkce,
  webAppAuthorizeParams,
} from './support/form-login.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();

  it('renders an accessible login page with CSRF token, login_hint and security headers', async () => {
    const { challenge } = pkce();
    const res = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(baseParams(challenge, { login_hint: 'alice' })),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('autocomplete="username"');
    expect(res.body).toContain('autocomplete="current-password"');
    expect(res.body).toContain('value="alice"');
    // client_name, HTML-escaped, instead of the raw client_id.
    expect(res.body).toContain('Notes &#60;by&#62; &#34;Example&#34; &#38; Co');
    expect(res.body).not.toContain('Notes <by>');
    expect(res.body).not.toContain('web-app</strong>');
    expect(res.body).toMatch(/name="csrf_token" value="[^"]+"/);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.body).not.toMatch(/https?:\/\/(?!app\.example\.com)[^"]*\.(js|css)/);
  });

  it('rejects a login post without a valid CSRF token', async () => {
    const { challenge } = pkce();
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(baseParams(challenge)));
    const res = await b.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      csrf_token: 'forged',
      username: 'alice',
      password: USERS[0]!.password,
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers.location).toBeUndefined();
  });

  it('sets __Host- cookies on an https issuer: HttpOnly, SameSite=Lax, Secure, Path=/, no Domain', async () => {
    const { challenge } = pkce();
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(baseParams(challenge)));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/authorize',
      headers: { ...FORM, cookie: b.header },
      payload: new URLSearchParams({
        ...hiddenFields(page.body),
        username: 'alice',
        password: USERS[0]!.password,
      }).toString(),
    });
    const cookies = [...page.cookies, ...res.cookies];
    expect(cookies.map((c) => c.name).sort()).toEqual(['__Host-gh_csrf', SESSION_COOKIE]);
    for (const c of cookies) {
      expect(c, c.name).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true, path: '/' });
      expect(c.domain, c.name).toBeUndefined();
    }
  });

  it('throttles failed logins per username with a lockout', async () => {
    const { challenge } = pkce();
    const b = new Browser(t);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const page = await b.request('GET', authorizeUrl(baseParams(challenge)));
      const res = await b.request('POST', '/api/oauth/authorize', {
        ...hiddenFields(page.body),
        username: 'locked-user',
        password: 'wrong password',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses[5]).toBe(429);
  });
});

describe('login throttling per IP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB], users: USERS });
  });
  afterAll(async () => t.close());

  it('locks an IP out after 20 failures across usernames, even for a correct password', async () => {
    const b = new Browser(t);
    const { challenge } = pkce();
    const url = authorizeUrl({
      response_type: 'code',
      client_id: 'web-app',
      redirect_uri: 'https://app.example.com/cb',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const attempt = async (username: string, password: string) => {
      const page = await b.request('GET', url);
      return (
        await b.request('POST', '/api/oauth/authorize', { ...hiddenFields(page.body), username, password })
      ).statusCode;
    };
    for (let i = 0; i < 20; i++) expect(await attempt(`user-${i}`, 'wrong password')).toBe(401);
    expect(await attempt('alice', USERS[0]!.password)).toBe(429);
  });

  it('spends as long on an unknown username as on a wrong password (no account enumeration by timing)', async () => {
    const time = async (username: string) => {
      const start = performance.now();
      await t.ctx.users.verifyPassword(username, 'wrong password');
      return performance.now() - start;
    };
    await time('alice'); // warm-up
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await time('alice'));
      unknown.push(await time(`nobody-${i}`));
    }
    // argon2id takes ~10–40 ms here; skipping it for unknown users answered in ~1 ms.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  });
});

describe('login throttling under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    const dave = { username: 'dave', password: 'dave password 1' };
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB], users: [dave] });
  });
  afterAll(async () => t.close());

  it('checks at most 5 passwords for a username when attempts arrive all at once', async () => {
    const b = new Browser(t);
    const { challenge } = pkce();
    const page = await b.request('GET', authorizeUrl(webAppAuthorizeParams(challenge)));
    const fields = hiddenFields(page.body);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.app
          .inject({
            method: 'POST',
            url: '/api/oauth/authorize',
            headers: { ...FORM, cookie: b.header },
            payload: new URLSearchParams({ ...fields, username: 'dave', password: `guess ${i}` }).toString(),
          })
          .then((r) => r.statusCode),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });
});

describe('login throttling after a success', () => {
  let t: TestApp;
  beforeAll(async () => {
    const erin = { username: 'erin', password: 'erin password 1' };
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB], users: [erin] });
  });
  afterAll(async () => t.close());

  it("clears a username's failures when its password is given, so a later typo is not a lockout", async () => {
    const url = authorizeUrl({
      response_type: 'code',
      client_id: 'web-app',
      redirect_uri: 'https://app.example.com/cb',
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    // A new browser per attempt: no session, so every attempt shows the login form.
    const attempt = async (password: string) => {
      const b = new Browser(t);
      const page = await b.request('GET', url);
      const res = await b.request('POST', '/api/oauth/authorize', {
        ...hiddenFields(page.body),
        username: 'erin',
        password,
      });
      return res.statusCode;
    };
    for (let i = 0; i < 4; i++) expect(await attempt('wrong password')).toBe(401);
    expect(await attempt('erin password 1')).not.toBe(401);
    // Without the reset, the 5th failure in the window would be the last one allowed and the 6th a 429.
    for (let i = 0; i < 5; i++) expect(await attempt('wrong password')).toBe(401);
    expect(await attempt('wrong password')).toBe(429);
  });
});
