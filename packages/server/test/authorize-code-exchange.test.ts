/** The authorization_code grant: a code for a signed-in user, redeemed once, bound to its request. */
import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestApp, testApp } from './support/app.js';
import {
  authorizeTestApp,
  baseParams,
  codeExchange,
  codeFor,
  ISSUER,
  loginAndConsent,
  SESSION_COOKIE,
  USERS,
  useAuthorizeServer,
  WEB,
  webAppToken,
} from './support/authorize.js';
import { authorizeUrl, Browser, hiddenFields, pkce, postAsWebApp } from './support/form-login.js';
import { basic } from './support/http.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();
  const exchange = codeExchange(t);

  it('logs in, asks consent, redirects 303 with code, state and iss, and exchanges the code for tokens', async () => {
    const { challenge, verifier } = pkce();
    const b = new Browser(t);
    const res = await loginAndConsent(b, baseParams(challenge));
    expect(res.statusCode).toBe(303);
    // Logged in: the sign-in (the login POST, not this redirect) left the session cookie in the browser.
    expect(b.cookies.get(SESSION_COOKIE)).toBeTruthy();
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
    const short = await authorizeTestApp({ authorization_code_ttl_secs: 1 });
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

describe('single use across nodes', () => {
  let t: TestApp;
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
