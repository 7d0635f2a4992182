/** RP-initiated logout of a session from the code flow, and what discovery says of these endpoints. */
import { describe, expect, it } from 'vitest';
import {
  baseParams,
  ISSUER,
  SESSION_COOKIE,
  signInAndRedeem,
  useAuthorizeServer,
} from './support/authorize.js';
import { authorizeUrl, hiddenFields } from './support/form-login.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();

  describe('userinfo, logout and discovery', () => {
    const signedIn = (scope?: string) => signInAndRedeem(t, scope);

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
});
