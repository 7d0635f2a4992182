/** Single sign-on with the session, remembered consent, prompt and max_age, and the consent page's denial. */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { baseParams, codeExchange, loginAndConsent, USERS, useAuthorizeServer } from './support/authorize.js';
import { authorizeUrl, Browser, hiddenFields, pkce } from './support/form-login.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();
  const exchange = codeExchange(t);

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
});
