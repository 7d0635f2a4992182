import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  pkce,
  redeemWebAppCode,
  signInThroughForms,
  WEB_APP,
} from './support/form-login.js';

/*
 * RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted from the request."
 * At the browser-facing endpoints, `name=` is the same as no `name` at all.
 */

const WEB = {
  ...WEB_APP,
  post_logout_redirect_uris: ['https://app.example.com/bye'],
};
const ALICE = { username: 'alice', password: 'correct horse battery' };

describe('parameters sent without a value', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let b: Browser;
  beforeAll(async () => {
    t = await testApp({
      oauth: { issuer: 'https://id.example.com' },
      clients: [...CLIENTS, WEB],
      users: [ALICE],
    });
    b = new Browser(t);
    await signInThroughForms(b, params(pkce().challenge), ALICE.username, ALICE.password);
  });
  afterAll(async () => t.close());

  function params(challenge: string, extra: Record<string, string> = {}) {
    return {
      response_type: 'code',
      client_id: 'web-app',
      redirect_uri: 'https://app.example.com/cb',
      scope: 'openid',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    };
  }

  it.each(['max_age', 'response_mode', 'request', 'request_uri', 'id_token_hint'])(
    'treats an empty %s as omitted at the authorization endpoint',
    async (name) => {
      const res = await b.request('GET', authorizeUrl(params(pkce().challenge, { [name]: '' })));
      const q = new URL(res.headers.location as string).searchParams;
      expect(q.get('error')).toBeNull();
      expect(q.get('code')).toBeTruthy();
    },
  );

  it('takes an empty nonce for no nonce: the ID token has no nonce claim', async () => {
    const { challenge, verifier } = pkce();
    const res = await b.request('GET', authorizeUrl(params(challenge, { nonce: '' })));
    const code = new URL(res.headers.location as string).searchParams.get('code')!;
    const tok = (await redeemWebAppCode(t.app, code, verifier)).json() as { id_token: string };
    expect(decodeJwt(tok.id_token)).not.toHaveProperty('nonce');
  });

  it('takes one non-empty value among empty repeats as that value', async () => {
    const url = `${authorizeUrl(params(pkce().challenge))}&state=`;
    const res = await b.request('GET', url);
    const q = new URL(res.headers.location as string).searchParams;
    expect(q.get('code')).toBeTruthy();
    expect(q.get('state')).toBe('st');
  });

  it('treats an empty post_logout_redirect_uri as omitted at logout', async () => {
    const res = await b.request('GET', '/api/oauth/logout?client_id=web-app&post_logout_redirect_uri=');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>Sign out?</h1>');
    expect(res.body).not.toContain('post_logout_redirect_uri');
  });
});
