/** The userinfo endpoint (OIDC Core §5.3) for tokens from the code flow, and how it takes a Bearer token. */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { signInAndRedeem, useAuthorizeServer } from './support/authorize.js';
import { FORM } from './support/form-login.js';
import { basic } from './support/http.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();

  describe('userinfo, logout and discovery', () => {
    const signedIn = (scope?: string) => signInAndRedeem(t, scope);

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
  });
});
