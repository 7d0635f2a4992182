import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, CLIENTS, testApp } from './helpers.js';
import {
  authorizeUrl,
  Browser,
  FORM,
  hiddenFields,
  pkce,
  postAsWebApp,
  signInThroughForms,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';

const ISSUER = 'https://id.example.com';
/** On an https issuer the session cookie has the `__Host-` prefix (browser-kit.ts). */
const SESSION_COOKIE = '__Host-gh_session';
const WEB = {
  ...WEB_APP,
  grant_types: ['authorization_code', 'refresh_token'],
  scopes: ['notes'],
  post_logout_redirect_uris: ['https://app.example.com/signed-out'],
  client_name: 'Notes <by> "Example" & Co',
};
const NATIVE = {
  client_id: 'native-app',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1/cb'],
  require_pkce: false, // ignored: public clients always need PKCE
};
const FIRST_PARTY = {
  client_id: 'first-party',
  client_secret: 'fp-secret',
  grant_types: ['authorization_code'],
  redirect_uris: ['https://fp.example.com/cb'],
  require_pkce: false,
  skip_consent: true,
};
const USERS = [
  { username: 'alice', password: 'correct horse battery', email: 'alice@example.com', name: 'Alice' },
];

type T = Awaited<ReturnType<typeof testApp>>;

/** Logs in as alice (and consents) through the HTML forms; returns the final redirect response. */
const loginAndConsent = (b: Browser, params: Record<string, string>, password = USERS[0]!.password) =>
  signInThroughForms(b, params, 'alice', password);

/** A signed-in user's code for `web-app` (PKCE S256): logs in and consents through the forms. */
async function codeFor(b: Browser, scope: string) {
  const { challenge, verifier } = pkce();
  const res = await loginAndConsent(b, {
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: 'https://app.example.com/cb',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope,
  });
  return { code: new URL(res.headers.location as string).searchParams.get('code')!, verifier };
}

/** POST /api/oauth/token as the confidential `web-app` client. */
const webAppToken = (t: T, payload: Record<string, string>) =>
  postAsWebApp(t.app, '/api/oauth/token', payload);

describe('authorization endpoint and authorization_code grant', () => {
  let t: T;
  beforeAll(async () => {
    t = await testApp({
      oauth: { issuer: ISSUER },
      clients: [...CLIENTS, WEB, NATIVE, FIRST_PARTY],
      users: USERS,
    });
  });
  afterAll(async () => t.close());

  const baseParams = (challenge: string, extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: 'https://app.example.com/cb',
    scope: 'openid profile',
    state: 'st-1',
    nonce: 'n-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  });

  const exchange = (form: Record<string, string>, auth = basic('web-app', 'web-secret')) =>
    t.app.inject({
      method: 'POST',
      url: '/api/oauth/token',
      headers: { ...FORM, ...(auth ? { authorization: auth } : {}) },
      payload: new URLSearchParams({ grant_type: 'authorization_code', ...form }).toString(),
    });

  it('shows an HTML error page, never a redirect, for an unknown client or unregistered redirect_uri', async () => {
    const { challenge } = pkce();
    for (const params of [
      baseParams(challenge, { client_id: 'nope' }),
      baseParams(challenge, { redirect_uri: 'https://evil.example.com/cb' }),
      baseParams(challenge, { redirect_uri: 'https://app.example.com/cb/extra' }),
      // Open-redirect attempts against an exact-match registration (RFC 9700 §4.1.3).
      baseParams(challenge, { redirect_uri: 'https://app.example.com/cb?next=https://evil.example.com' }),
      baseParams(challenge, { redirect_uri: 'https://app.example.com/cb#https://evil.example.com' }),
      baseParams(challenge, { redirect_uri: 'https://app.example.com@evil.example.com/cb' }),
      baseParams(challenge, { redirect_uri: 'https://app.example.com.evil.example.com/cb' }),
      baseParams(challenge, { redirect_uri: 'https://app.example.com/cb/../evil' }),
      baseParams(challenge, { redirect_uri: 'http://app.example.com/cb' }),
      baseParams(challenge, { redirect_uri: '//evil.example.com/cb' }),
      baseParams(challenge, { redirect_uri: 'javascript:alert(1)' }),
      // Loopback registrations (http://127.0.0.1/cb) match any port, nothing else.
      baseParams(challenge, { client_id: 'native-app', redirect_uri: 'http://localhost:8080/cb' }),
      baseParams(challenge, {
        client_id: 'native-app',
        redirect_uri: 'http://127.0.0.1.evil.example.com/cb',
      }),
      baseParams(challenge, { client_id: 'native-app', redirect_uri: 'http://127.0.0.1:8080/other' }),
      baseParams(challenge, { client_id: 'native-app', redirect_uri: 'https://127.0.0.1:8080/cb' }),
    ]) {
      const res = await t.app.inject({ method: 'GET', url: authorizeUrl(params) });
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  /** A redirect back to the registered redirect_uri with `error`, `state` and `iss` (RFC 6749 §4.1.2.1, RFC 9207). */
  const expectErrorRedirect = async (params: Record<string, string>, error: string) => {
    const res = await t.app.inject({ method: 'GET', url: authorizeUrl(params) });
    expect(res.statusCode).toBe(302);
    const loc = new URL(res.headers.location as string);
    expect(loc.origin + loc.pathname).toBe('https://app.example.com/cb');
    expect(loc.searchParams.get('error')).toBe(error);
    expect(loc.searchParams.get('state')).toBe('st-1');
    expect(loc.searchParams.get('iss')).toBe(ISSUER);
  };

  it('redirects errors with state and iss once the client and redirect_uri are trusted', async () => {
    const { challenge } = pkce();
    const cases: [Record<string, string>, string][] = [
      [baseParams(challenge, { response_type: 'token' }), 'unsupported_response_type'],
      [baseParams(challenge, { code_challenge_method: 'plain' }), 'invalid_request'],
      [{ ...baseParams(challenge), code_challenge: '' }, 'invalid_request'],
      [baseParams(challenge, { scope: 'openid admin' }), 'invalid_scope'],
      [baseParams(challenge, { prompt: 'none' }), 'login_required'],
    ];
    for (const [params, error] of cases) await expectErrorRedirect(params, error);
  });

  it('refuses request, request_uri and a response_mode other than query with a redirect carrying state and iss', async () => {
    const { challenge } = pkce();
    const requestObject = 'eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.';
    const cases: [Record<string, string>, string][] = [
      // OIDC Core §6.1 / §6.2: not ignored, refused with their own codes (§3.1.2.6).
      [baseParams(challenge, { request: requestObject }), 'request_not_supported'],
      [
        baseParams(challenge, { request_uri: 'https://app.example.com/req.jwt' }),
        'request_uri_not_supported',
      ],
      // OAuth 2.0 Multiple Response Type Encoding Practices §2.1: only query is supported.
      [baseParams(challenge, { response_mode: 'fragment' }), 'invalid_request'],
      [baseParams(challenge, { response_mode: 'form_post' }), 'invalid_request'],
    ];
    for (const [params, error] of cases) await expectErrorRedirect(params, error);
    // Before the client and redirect_uri are trusted: still the error page, never a redirect.
    const untrusted = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(
        baseParams(challenge, { request: requestObject, redirect_uri: 'https://evil.example.com/' }),
      ),
    });
    expect(untrusted.statusCode).toBe(400);
    expect(untrusted.headers.location).toBeUndefined();
    // response_mode=query is what the server does anyway.
    const query = await t.app.inject({
      method: 'GET',
      url: authorizeUrl(baseParams(challenge, { response_mode: 'query' })),
    });
    expect(query.statusCode).toBe(200);
    expect(query.body).toContain('autocomplete="current-password"');
  });

  it('refuses resource indicators (RFC 8707) with invalid_target rather than ignoring them, once or repeated', async () => {
    const { challenge } = pkce();
    await expectErrorRedirect(
      baseParams(challenge, { resource: 'https://api.example.com' }),
      'invalid_target',
    );
    const repeated = `${authorizeUrl(baseParams(challenge))}&resource=https%3A%2F%2Fa.example.com&resource=https%3A%2F%2Fb.example.com`;
    const res = await t.app.inject({ method: 'GET', url: repeated });
    expect(res.statusCode).toBe(302);
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('invalid_target');
  });

  it('requires PKCE even without code_challenge_method (plain is the default and rejected)', async () => {
    const { challenge } = pkce();
    const { code_challenge_method: _m, ...params } = baseParams(challenge);
    const res = await t.app.inject({ method: 'GET', url: authorizeUrl(params) });
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('invalid_request');
  });

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

  it('logs in, asks consent, redirects 303 with code, state and iss, and exchanges the code for tokens', async () => {
    const { challenge, verifier } = pkce();
    const b = new Browser(t);
    const res = await loginAndConsent(b, baseParams(challenge));
    expect(res.statusCode).toBe(303);
    const session = res.cookies.find((c) => c.name === SESSION_COOKIE) ?? [...b.cookies.keys()];
    expect(session).toBeTruthy();
    const loc = new URL(res.headers.location as string);
    expect(loc.searchParams.get('state')).toBe('st-1');
    expect(loc.searchParams.get('iss')).toBe(ISSUER);
    const code = loc.searchParams.get('code')!;
    const tok = await exchange({ code, redirect_uri: 'https://app.example.com/cb', code_verifier: verifier });
    expect(tok.statusCode).toBe(200);
    const body = tok.json();
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile' });
    const jwks = createLocalJWKSet(await t.ctx.keys.jwks());
    const { payload, protectedHeader } = await jwtVerify(body.id_token, jwks, {
      issuer: ISSUER,
      audience: 'web-app',
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.nonce).toBe('n-1');
    expect(typeof payload.auth_time).toBe('number');
    expect(typeof payload.sid).toBe('string');
    // The sid claim is derived from the session id, never the id that the session cookie carries.
    const cookieSid = decodeURIComponent(b.cookies.get(SESSION_COOKIE) ?? '').split('.')[0];
    expect(cookieSid).toBeTruthy();
    expect(payload.sid).not.toBe(cookieSid);
    expect(body.id_token).not.toContain(cookieSid);
    const atHash = createHash('sha256')
      .update(body.access_token)
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    expect(payload.at_hash).toBe(atHash);
    const intro = await postAsWebApp(t.app, '/api/oauth/introspect', { token: body.access_token });
    expect(intro.json()).toMatchObject({ active: true, sub: payload.sub, client_id: 'web-app' });
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

  it('rejects a replayed code with invalid_grant and revokes the tokens issued from it', async () => {
    const { challenge, verifier } = pkce();
    const b = new Browser(t);
    const code = new URL(
      (await loginAndConsent(b, baseParams(challenge))).headers.location as string,
    ).searchParams.get('code')!;
    const form = { code, redirect_uri: 'https://app.example.com/cb', code_verifier: verifier };
    const first = await exchange(form);
    expect(first.statusCode).toBe(200);
    const replay = await exchange(form);
    expect(replay.statusCode).toBe(400);
    expect(replay.json().error).toBe('invalid_grant');
    const intro = await postAsWebApp(t.app, '/api/oauth/introspect', { token: first.json().access_token });
    expect(intro.json()).toEqual({ active: false });
  });

  it('rejects an expired code (lifetime 60 s by default)', async () => {
    expect(t.ctx.config.oauth.authorization_code_ttl_secs).toBe(60);
    // The lifetime is read when the server starts: a second server with 1 s codes.
    const short = await testApp({
      oauth: { issuer: ISSUER, authorization_code_ttl_secs: 1 },
      clients: [...CLIENTS, WEB, NATIVE, FIRST_PARTY],
      users: USERS,
    });
    try {
      const { challenge, verifier } = pkce();
      const res = await loginAndConsent(new Browser(short), baseParams(challenge));
      const code = new URL(res.headers.location as string).searchParams.get('code')!;
      await new Promise((r) => setTimeout(r, 1100));
      const tok = await webAppToken(short, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.example.com/cb',
        code_verifier: verifier,
      });
      expect(tok.json().error).toBe('invalid_grant');
    } finally {
      await short.close();
    }
  });

  it('lets exactly one of two concurrent exchanges of the same code succeed', async () => {
    const { challenge, verifier } = pkce();
    const res = await loginAndConsent(new Browser(t), baseParams(challenge));
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    const form = { code, redirect_uri: 'https://app.example.com/cb', code_verifier: verifier };
    const results = await Promise.all([exchange(form), exchange(form), exchange(form)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400, 400]);
  });

  it('binds the code to the PKCE verifier, redirect_uri and client', async () => {
    const { challenge, verifier } = pkce();
    const codeOf = async () =>
      new URL(
        (await loginAndConsent(new Browser(t), baseParams(challenge))).headers.location as string,
      ).searchParams.get('code')!;
    const wrongVerifier = await exchange({
      code: await codeOf(),
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: pkce().verifier,
    });
    expect(wrongVerifier.json().error).toBe('invalid_grant');
    const noVerifier = await exchange({ code: await codeOf(), redirect_uri: 'https://app.example.com/cb' });
    expect(noVerifier.json().error).toBe('invalid_grant');
    const wrongRedirect = await exchange({
      code: await codeOf(),
      redirect_uri: 'https://app.example.com/other',
      code_verifier: verifier,
    });
    expect(wrongRedirect.json().error).toBe('invalid_grant');
    const wrongClient = await exchange(
      {
        code: await codeOf(),
        redirect_uri: 'https://app.example.com/cb',
        code_verifier: verifier,
        client_id: 'native-app',
      },
      '',
    );
    expect(wrongClient.json().error).toBe('invalid_grant');
  });

  it('reuses the session for single sign-on and remembers consent; prompt=login and max_age force a new login', async () => {
    const { challenge } = pkce();
    const b = new Browser(t);
    expect((await loginAndConsent(b, baseParams(challenge))).statusCode).toBe(303);
    const again = await b.request('GET', authorizeUrl(baseParams(challenge)));
    expect(again.statusCode).toBe(302);
    expect(new URL(again.headers.location as string).searchParams.get('code')).toBeTruthy();
    const silent = await b.request('GET', authorizeUrl(baseParams(challenge, { prompt: 'none' })));
    expect(new URL(silent.headers.location as string).searchParams.get('code')).toBeTruthy();
    const forced = await b.request('GET', authorizeUrl(baseParams(challenge, { prompt: 'login' })));
    expect(forced.statusCode).toBe(200);
    expect(forced.body).toContain('autocomplete="current-password"');
    const consentAgain = await b.request('GET', authorizeUrl(baseParams(challenge, { prompt: 'consent' })));
    expect(consentAgain.body).toContain('name="consent"');
    const wider = await b.request(
      'GET',
      authorizeUrl(baseParams(challenge, { scope: 'openid profile email', prompt: 'none' })),
    );
    expect(new URL(wider.headers.location as string).searchParams.get('error')).toBe('consent_required');
    await new Promise((r) => setTimeout(r, 1100));
    const stale = await b.request('GET', authorizeUrl(baseParams(challenge, { max_age: '0' })));
    expect(stale.statusCode).toBe(200);
    expect(stale.body).toContain('autocomplete="current-password"');
  });

  it('signs a second client in without a password (SSO) and accepts a public client on any loopback port', async () => {
    const { challenge, verifier } = pkce();
    const b = new Browser(t);
    await loginAndConsent(b, baseParams(challenge));
    const redirect = 'http://127.0.0.1:53123/cb';
    const params = {
      response_type: 'code',
      client_id: 'native-app',
      redirect_uri: redirect,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's',
    };
    // Even with no scope, a client the user never approved gets no code (and no `sub`) silently …
    const silent = await b.request('GET', authorizeUrl({ ...params, prompt: 'none' }));
    expect(new URL(silent.headers.location as string).searchParams.get('error')).toBe('consent_required');
    // … but no password either: the consent page comes straight away (SSO).
    const page = await b.request('GET', authorizeUrl(params));
    expect(page.body).toContain('name="consent"');
    expect(page.body).not.toContain('autocomplete="current-password"');
    const res = await b.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      consent: 'approve',
    });
    expect(res.statusCode).toBe(303);
    const loc = new URL(res.headers.location as string);
    expect(loc.origin).toBe('http://127.0.0.1:53123');
    const tok = await exchange(
      {
        code: loc.searchParams.get('code')!,
        redirect_uri: redirect,
        code_verifier: verifier,
        client_id: 'native-app',
      },
      '',
    );
    expect(tok.statusCode).toBe(200);
    expect(decodeJwt(tok.json().access_token).client_id).toBe('native-app');
  });

  it('denial redirects access_denied', async () => {
    const { challenge } = pkce();
    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(baseParams(challenge, { scope: 'openid email' })));
    const consent = await b.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      username: 'alice',
      password: USERS[0]!.password,
    });
    expect(consent.body).toContain('See your email address');
    expect(consent.body).toContain(
      '<strong>Notes &#60;by&#62; &#34;Example&#34; &#38; Co</strong> would like to',
    );
    const res = await b.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(consent.body),
      consent: 'deny',
    });
    expect(res.statusCode).toBe(303);
    expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('access_denied');
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

  describe('refresh_token grant', () => {
    const refresh = (form: Record<string, string>) =>
      webAppToken(t, { grant_type: 'refresh_token', ...form });
    const introspect = async (token: string) =>
      (await postAsWebApp(t.app, '/api/oauth/introspect', { token })).json();

    async function tokens(scope = 'openid profile offline_access') {
      const { challenge, verifier } = pkce();
      const res = await loginAndConsent(new Browser(t), baseParams(challenge, { scope }));
      const code = new URL(res.headers.location as string).searchParams.get('code')!;
      const tok = await exchange({
        code,
        redirect_uri: 'https://app.example.com/cb',
        code_verifier: verifier,
      });
      expect(tok.statusCode).toBe(200);
      return tok.json();
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

  describe('userinfo, logout and discovery', () => {
    async function signedIn(scope = 'openid profile email') {
      const { challenge, verifier } = pkce();
      const b = new Browser(t);
      const res = await loginAndConsent(b, baseParams(challenge, { scope }));
      const code = new URL(res.headers.location as string).searchParams.get('code')!;
      const tok = (
        await exchange({ code, redirect_uri: 'https://app.example.com/cb', code_verifier: verifier })
      ).json();
      return { b, tok, challenge };
    }

    it('returns claims by scope for a Bearer token on GET and POST', async () => {
      const { tok } = await signedIn();
      const get = await t.app.inject({
        method: 'GET',
        url: '/api/oauth/userinfo',
        headers: { authorization: `Bearer ${tok.access_token}` },
      });
      expect(get.statusCode).toBe(200);
      expect(get.json()).toMatchObject({
        preferred_username: 'alice',
        name: 'Alice',
        email: 'alice@example.com',
      });
      expect(get.json().sub).toBe(decodeJwt(tok.id_token).sub);
      const { tok: narrow } = await signedIn('openid');
      const post = await t.app.inject({
        method: 'POST',
        url: '/api/oauth/userinfo',
        headers: { ...FORM, authorization: `Bearer ${narrow.access_token}` },
        payload: '',
      });
      expect(Object.keys(post.json())).toEqual(['sub']);
    });

    it('rejects a bad or revoked token with 401 and WWW-Authenticate invalid_token', async () => {
      const bad = await t.app.inject({
        method: 'GET',
        url: '/api/oauth/userinfo',
        headers: { authorization: 'Bearer nope' },
      });
      expect(bad.statusCode).toBe(401);
      expect(bad.headers['www-authenticate']).toContain('error="invalid_token"');
      const { tok } = await signedIn();
      await t.app.inject({
        method: 'POST',
        url: '/api/oauth/revoke',
        headers: { ...FORM, authorization: basic('web-app', 'web-secret') },
        payload: `token=${tok.access_token}`,
      });
      const revoked = await t.app.inject({
        method: 'GET',
        url: '/api/oauth/userinfo',
        headers: { authorization: `Bearer ${tok.access_token}` },
      });
      expect(revoked.statusCode).toBe(401);
      const none = await t.app.inject({ method: 'GET', url: '/api/oauth/userinfo' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('refuses a token sent both in the Authorization header and in the form body with 400 invalid_request', async () => {
      const { tok } = await signedIn('openid');
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/oauth/userinfo',
        headers: { ...FORM, authorization: `Bearer ${tok.access_token}` },
        payload: new URLSearchParams({ access_token: tok.access_token }).toString(),
      });
      // RFC 6750 §2: a client MUST NOT use more than one method in a request; §3.1: invalid_request.
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="invalid_request"');
    });

    it('takes access_token from a form-encoded body only: a JSON body carries no token (401, no error code)', async () => {
      const { tok } = await signedIn('openid');
      const form = await t.app.inject({
        method: 'POST',
        url: '/api/oauth/userinfo',
        headers: FORM,
        payload: new URLSearchParams({ access_token: tok.access_token }).toString(),
      });
      expect(form.statusCode).toBe(200);
      // RFC 6750 §2.2: the body method is application/x-www-form-urlencoded; anything else is no method at all,
      // so §3.1: a challenge without error code or description.
      const json = await t.app.inject({
        method: 'POST',
        url: '/api/oauth/userinfo',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ access_token: tok.access_token }),
      });
      expect(json.statusCode).toBe(401);
      expect(json.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
      expect(json.body).not.toContain('error');
    });

    it('refuses a repeated access_token form parameter with 400 invalid_request', async () => {
      const { tok } = await signedIn('openid');
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/oauth/userinfo',
        headers: FORM,
        payload: `access_token=${tok.access_token}&access_token=${tok.access_token}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse", error="invalid_request"');
    });

    it('logs out with id_token_hint, ends the session and redirects to a registered URI with state', async () => {
      const { b, tok, challenge } = await signedIn();
      const res = await b.request(
        'GET',
        `/api/oauth/logout?${new URLSearchParams({ id_token_hint: tok.id_token, post_logout_redirect_uri: 'https://app.example.com/signed-out', state: 'bye' })}`,
      );
      expect(res.statusCode).toBe(302);
      const loc = new URL(res.headers.location as string);
      expect(loc.origin + loc.pathname).toBe('https://app.example.com/signed-out');
      expect(loc.searchParams.get('state')).toBe('bye');
      // Cleared with the attributes it was set with: a browser ignores a __Host- cookie without Secure and Path=/.
      const cleared = res.cookies.find((c) => c.name === SESSION_COOKIE)!;
      expect(cleared).toMatchObject({ value: '', secure: true, path: '/' });
      b.cookies.delete(SESSION_COOKIE);
      const after = await b.request('GET', authorizeUrl(baseParams(challenge, { prompt: 'none' })));
      expect(new URL(after.headers.location as string).searchParams.get('error')).toBe('login_required');
    });

    it('refuses a logout redirect to a redirect_uri that is not a post_logout_redirect_uri', async () => {
      const { b, tok } = await signedIn();
      const res = await b.request(
        'GET',
        `/api/oauth/logout?${new URLSearchParams({ id_token_hint: tok.id_token, post_logout_redirect_uri: 'https://app.example.com/cb' })}`,
      );
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
    });

    it('ends the server-side session even if the browser keeps the cookie', async () => {
      const { b, tok, challenge } = await signedIn();
      const cookie = b.cookies.get(SESSION_COOKIE)!;
      await b.request('GET', `/api/oauth/logout?id_token_hint=${tok.id_token}`);
      b.cookies.set(SESSION_COOKIE, cookie);
      const after = await b.request('GET', authorizeUrl(baseParams(challenge, { prompt: 'none' })));
      expect(new URL(after.headers.location as string).searchParams.get('error')).toBe('login_required');
    });

    it('refuses an unregistered post_logout_redirect_uri and asks for confirmation without id_token_hint', async () => {
      const { b, tok } = await signedIn();
      const evil = await b.request(
        'GET',
        `/api/oauth/logout?${new URLSearchParams({ id_token_hint: tok.id_token, post_logout_redirect_uri: 'https://evil.example.com/' })}`,
      );
      expect(evil.statusCode).toBe(400);
      expect(evil.headers.location).toBeUndefined();
      const confirm = await b.request('GET', '/api/oauth/logout');
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain('name="csrf_token"');
      const forged = await b.request('POST', '/api/oauth/logout', { csrf_token: 'x' });
      expect(forged.body).toContain('name="csrf_token"');
      const ok = await b.request('POST', '/api/oauth/logout', hiddenFields(confirm.body));
      expect(ok.body).toContain('signed out');
    });

    it('advertises the end-user endpoints in discovery', async () => {
      const doc = (await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
      expect(doc).toMatchObject({
        authorization_endpoint: `${ISSUER}/api/oauth/authorize`,
        userinfo_endpoint: `${ISSUER}/api/oauth/userinfo`,
        end_session_endpoint: `${ISSUER}/api/oauth/logout`,
        device_authorization_endpoint: `${ISSUER}/api/oauth/device_authorization`,
      });
      expect(doc.grant_types_supported).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token']),
      );
    });

    it('says in discovery that request objects are not supported and query is the only response mode', async () => {
      for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
        const doc = (await t.app.inject({ method: 'GET', url: path })).json();
        // OIDC Discovery §3: request_uri_parameter_supported defaults to true, so absent would claim support.
        expect(doc.request_parameter_supported).toBe(false);
        expect(doc.request_uri_parameter_supported).toBe(false);
        expect(doc.response_modes_supported).toEqual(['query']);
      }
    });
  });

  describe('per-client options', () => {
    const fpParams = (extra: Record<string, string> = {}) => ({
      response_type: 'code',
      client_id: 'first-party',
      redirect_uri: 'https://fp.example.com/cb',
      scope: 'openid profile',
      state: 's',
      ...extra,
    });
    const fpExchange = (form: Record<string, string>) =>
      exchange({ redirect_uri: 'https://fp.example.com/cb', ...form }, basic('first-party', 'fp-secret'));

    it('lets a confidential client with require_pkce: false omit PKCE, and skip_consent skips the consent page', async () => {
      const b = new Browser(t);
      const page = await b.request('GET', authorizeUrl(fpParams()));
      expect(page.statusCode).toBe(200);
      const res = await b.request('POST', '/api/oauth/authorize', {
        ...hiddenFields(page.body),
        username: 'alice',
        password: USERS[0]!.password,
      });
      expect(res.statusCode).toBe(303);
      const code = new URL(res.headers.location as string).searchParams.get('code')!;
      expect((await fpExchange({ code })).statusCode).toBe(200);
    });

    it('rejects a code_verifier for a code issued without code_challenge', async () => {
      const b = new Browser(t);
      const page = await b.request('GET', authorizeUrl(fpParams()));
      const res = await b.request('POST', '/api/oauth/authorize', {
        ...hiddenFields(page.body),
        username: 'alice',
        password: USERS[0]!.password,
      });
      const code = new URL(res.headers.location as string).searchParams.get('code')!;
      const tok = await fpExchange({ code, code_verifier: pkce().verifier });
      expect(tok.json().error).toBe('invalid_grant');
    });

    it('still requires PKCE from a public client even if require_pkce is false', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: authorizeUrl({
          response_type: 'code',
          client_id: 'native-app',
          redirect_uri: 'http://127.0.0.1:5000/cb',
          state: 's',
        }),
      });
      expect(new URL(res.headers.location as string).searchParams.get('error')).toBe('invalid_request');
    });
  });
});

describe('login throttling per IP', () => {
  let t: T;
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
  let t: T;
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
  let t: T;
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

describe('re-authentication and deleted users', () => {
  let t: T;
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

  const params = (extra: Record<string, string> = {}) => ({
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: 'https://app.example.com/cb',
    scope: 'openid',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
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

describe('single use across nodes', () => {
  let t: T;
  beforeAll(async () => {
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB], users: USERS });
    // A slow shared store (like Redis across nodes) lets concurrent requests interleave.
    const store = t.ctx.store;
    const get = store.get.bind(store);
    store.get = async (k: string) => {
      await new Promise((r) => setTimeout(r, 15));
      return get(k);
    };
  });
  afterAll(async () => t.close());

  it('redeems a code only once even when the store is slow', async () => {
    const { code, verifier } = await codeFor(new Browser(t), 'openid offline_access');
    const send = (payload: Record<string, string>) => webAppToken(t, payload);
    const form = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: verifier,
    };
    const codes = await Promise.all([send(form), send(form)]);
    expect(codes.map((r) => r.statusCode).sort()).toEqual([200, 400]);
    const rt = codes.find((r) => r.statusCode === 200)!.json().refresh_token as string;
    const refreshes = await Promise.all([
      send({ grant_type: 'refresh_token', refresh_token: rt }),
      send({ grant_type: 'refresh_token', refresh_token: rt }),
    ]);
    // One rotation wins, the other is reuse and revokes the grant (RFC 9700 §4.14.2). Depending on whether
    // the winner read the revocation before answering, it gets 400 too or a 200 whose tokens are already dead.
    const statuses = refreshes.map((r) => r.statusCode).sort();
    expect([
      [200, 400],
      [400, 400],
    ]).toContainEqual(statuses);
    const won = refreshes.find((r) => r.statusCode === 200);
    if (won !== undefined) {
      const next = await send({ grant_type: 'refresh_token', refresh_token: won.json().refresh_token });
      expect(next.json().error).toBe('invalid_grant');
    }
  });
});

describe('refresh token absolute lifetime', () => {
  let t: T;
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
