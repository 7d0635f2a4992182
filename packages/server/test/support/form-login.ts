import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { hiddenFields } from '../../../../examples/support/http-user-agent.js';
import { hashedSecret } from './app.js';
import { basic } from './http.js';

/** Form-login helpers for inject()-based tests: a cookie-keeping "browser" that signs in through the pages. */

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * The confidential web client the helpers below assume (`redeemWebAppCode`: Basic `web-app:web-secret`,
 * redirect URI `https://app.example.com/cb`). Tests spread it and add what they need.
 */
export const WEB_APP = {
  client_id: 'web-app',
  ...hashedSecret('web-secret'),
  grant_types: ['authorization_code'],
  redirect_uris: ['https://app.example.com/cb'],
};

/** An authorization request of WEB_APP with the PKCE `challenge` (S256); `extra` adds parameters. */
export const webAppAuthorizeParams = (challenge: string, extra: Record<string, string> = {}) => ({
  response_type: 'code',
  client_id: 'web-app',
  redirect_uri: 'https://app.example.com/cb',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  ...extra,
});

/** An `openid` authorization request of WEB_APP with a fresh PKCE challenge; `extra` adds or replaces parameters. */
export const webAppOpenidParams = (extra: Record<string, string> = {}) =>
  webAppAuthorizeParams(pkce().challenge, { scope: 'openid', ...extra });

/** A PKCE S256 pair (RFC 7636 §4.1–4.2). */
export const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Minimal browser: keeps cookies between app.inject calls. */
export class Browser {
  cookies = new Map<string, string>();
  constructor(private readonly t: { app: FastifyInstance }) {}
  get header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const res = await this.t.app.inject({
      method,
      url,
      headers: { cookie: this.header, ...(form ? FORM : {}) },
      ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
    });
    for (const c of res.cookies) this.cookies.set(c.name, c.value);
    return res;
  }
}

/** The hidden inputs of a rendered form (CSRF token and the authorization request). */
export { hiddenFields };

export const authorizeUrl = (o: Record<string, string>) => `/api/oauth/authorize?${new URLSearchParams(o)}`;

/** Signs in (and consents, if asked) through the HTML forms; returns the final response (the redirect). */
export async function signInThroughForms(
  b: Browser,
  params: Record<string, string>,
  username: string,
  password: string,
) {
  const page = await b.request('GET', authorizeUrl(params));
  if (page.statusCode !== 200) throw new Error(`authorize answered ${page.statusCode}`);
  let res = await b.request('POST', '/api/oauth/authorize', {
    ...hiddenFields(page.body),
    username,
    password,
  });
  if (res.statusCode === 200 && res.body.includes('name="consent"')) {
    res = await b.request('POST', '/api/oauth/authorize', { ...hiddenFields(res.body), consent: 'approve' });
  }
  return res;
}

/** POSTs `form` to `url` (token, introspection, revocation…) as the confidential `web-app` client (Basic). */
export function postAsWebApp(app: FastifyInstance, url: string, form: Record<string, string>) {
  return app.inject({
    method: 'POST',
    url,
    headers: { ...FORM, authorization: basic('web-app', 'web-secret') },
    payload: new URLSearchParams(form).toString(),
  });
}

/** Redeems an authorization code as the tests' confidential `web-app` client (Basic, https://app.example.com/cb). */
export function redeemWebAppCode(app: FastifyInstance, code: string, verifier: string) {
  return postAsWebApp(app, '/api/oauth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: 'https://app.example.com/cb',
    code_verifier: verifier,
  });
}
