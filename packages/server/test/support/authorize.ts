/**
 * The setting of the authorize-*.test.ts files: an https issuer (so the cookies carry the `__Host-` prefix), a
 * confidential web client with a client_name that needs escaping, a public native client, a first-party client
 * that skips consent, and alice; and the steps those tests take through the pages and the token endpoint.
 */

import { afterAll, beforeAll } from 'vitest';
import { CLIENTS, hashedSecret, type TestApp, testApp } from './app.js';
import { Browser, FORM, pkce, postAsWebApp, signInThroughForms, WEB_APP } from './form-login.js';
import { basic } from './http.js';

export const ISSUER = 'https://id.example.com';
/** On an https issuer the session cookie has the `__Host-` prefix (browser-context.ts). */
export const SESSION_COOKIE = '__Host-gh_session';
export const WEB = {
  ...WEB_APP,
  grant_types: ['authorization_code', 'refresh_token'],
  scopes: ['notes'],
  post_logout_redirect_uris: ['https://app.example.com/signed-out'],
  client_name: 'Notes <by> "Example" & Co',
};
export const NATIVE = {
  client_id: 'native-app',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1/cb'],
  require_pkce: false, // ignored: public clients always need PKCE
};
export const FIRST_PARTY = {
  client_id: 'first-party',
  ...hashedSecret('fp-secret'),
  grant_types: ['authorization_code'],
  redirect_uris: ['https://fp.example.com/cb'],
  require_pkce: false,
  skip_consent: true,
};
export const USERS = [
  { username: 'alice', password: 'correct horse battery', email: 'alice@example.com', name: 'Alice' },
];

/** The server with every client above and alice; `oauth` adds to the issuer (lifetimes, say). */
export const authorizeTestApp = (oauth: Record<string, unknown> = {}) =>
  testApp({
    oauth: { issuer: ISSUER, ...oauth },
    clients: [...CLIENTS, WEB, NATIVE, FIRST_PARTY],
    users: USERS,
  });

/**
 * The server of a describe block (authorizeTestApp), started before its tests and closed after them: read its
 * `app` and `ctx` inside the tests.
 */
export function useAuthorizeServer(oauth: Record<string, unknown> = {}): TestApp {
  let current: TestApp | undefined;
  beforeAll(async () => {
    current = await authorizeTestApp(oauth);
  });
  afterAll(async () => current?.close());
  const live = () => {
    if (current === undefined) throw new Error('the server starts in beforeAll');
    return current;
  };
  return {
    get ctx() {
      return live().ctx;
    },
    get app() {
      return live().app;
    },
    close: () => live().close(),
  };
}

/** An authorization request of `web-app` for openid profile, with state `st-1` and nonce `n-1`. */
export const baseParams = (challenge: string, extra: Record<string, string> = {}) => ({
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

/** An authorization_code token request; as `web-app` (Basic) unless `auth` says otherwise ('' for none). */
export const exchangeCode = (
  t: TestApp,
  form: Record<string, string>,
  auth = basic('web-app', 'web-secret'),
) =>
  t.app.inject({
    method: 'POST',
    url: '/api/oauth/token',
    headers: { ...FORM, ...(auth ? { authorization: auth } : {}) },
    payload: new URLSearchParams({ grant_type: 'authorization_code', ...form }).toString(),
  });

/** exchangeCode bound to `t`. */
export const codeExchange = (t: TestApp) => (form: Record<string, string>, auth?: string) =>
  exchangeCode(t, form, auth);

/** POST /api/oauth/token as the confidential `web-app` client. */
export const webAppToken = (t: TestApp, payload: Record<string, string>) =>
  postAsWebApp(t.app, '/api/oauth/token', payload);

/** Logs in as alice (and consents) through the HTML forms; returns the final redirect response. */
export const loginAndConsent = (b: Browser, params: Record<string, string>, password = USERS[0]!.password) =>
  signInThroughForms(b, params, 'alice', password);

/** A signed-in user's code for `web-app` (PKCE S256): logs in and consents through the forms. */
export async function codeFor(b: Browser, scope: string) {
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

/**
 * Alice signed in on a new browser with `scope` and the code redeemed: the browser, the token response and
 * its body, and the PKCE challenge (to ask again in that session).
 */
export async function signInAndRedeem(t: TestApp, scope = 'openid profile email') {
  const { challenge, verifier } = pkce();
  const b = new Browser(t);
  const res = await loginAndConsent(b, baseParams(challenge, { scope }));
  const code = new URL(res.headers.location as string).searchParams.get('code')!;
  const response = await exchangeCode(t, {
    code,
    redirect_uri: 'https://app.example.com/cb',
    code_verifier: verifier,
  });
  return { b, response, tok: response.json(), challenge };
}
