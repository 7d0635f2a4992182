import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, testApp } from './support/app.js';
import {
  authorizeUrl,
  Browser,
  FORM,
  hiddenFields,
  pkce,
  WEB_APP,
  webAppAuthorizeParams,
} from './support/form-login.js';
import { basic } from './support/http.js';

/**
 * Client input that once produced a 500: NUL bytes (PostgreSQL text cannot hold them, so a lookup failed
 * instead of finding nothing), route-pattern syntax in the path (the 405 check parsed it as a pattern),
 * and credentials or parameters that slipped past a check because they were malformed or repeated.
 */

const WEB = {
  ...WEB_APP,
  post_logout_redirect_uris: ['https://app.example.com/out'],
};
const PUBLIC = {
  client_id: 'public-app',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code'],
  redirect_uris: ['http://127.0.0.1/cb'],
};

describe('hostile input', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({
      clients: [...CLIENTS, WEB, PUBLIC],
      users: [{ username: 'alice', password: 'alice password 1' }],
    });
  });
  afterAll(async () => t.close());

  const post = (url: string, payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { ...FORM, ...headers }, payload });

  it('treats a NUL byte in a client_id or username as unknown, never a 500', async () => {
    const authorize = await t.app.inject({ method: 'GET', url: '/api/oauth/authorize?client_id=%00' });
    expect(authorize.statusCode).toBe(400);
    const logout = await t.app.inject({
      method: 'GET',
      url: '/api/oauth/logout?client_id=%00&post_logout_redirect_uri=https://app.example.com/out',
    });
    expect(logout.statusCode).toBeLessThan(500);

    for (const res of [
      await post('/api/oauth/token', 'grant_type=client_credentials&client_id=%00&client_secret=x'),
      await post('/api/oauth/token', 'grant_type=authorization_code&client_id=%00&code=x'),
      await post('/api/oauth/revoke', 'token=x&client_id=a%00'),
      await post('/api/oauth/token', 'grant_type=client_credentials', { authorization: basic('a\0', 'x') }),
      await post('/api/oauth/introspect', 'token=x', { authorization: basic('\0', 'x') }),
    ]) {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_client');
    }

    const b = new Browser(t);
    const page = await b.request('GET', authorizeUrl(webAppAuthorizeParams(pkce().challenge)));
    const login = await b.request('POST', '/api/oauth/authorize', {
      ...hiddenFields(page.body),
      username: 'al\0ice',
      password: 'alice password 1',
    });
    expect(login.statusCode).toBe(401);
  });

  it('answers 404 for route-pattern syntax and a §5.2 400 for a malformed URL', async () => {
    for (const url of ['/:a(', '/api/:a(', '/api/oauth/:x(*)']) {
      for (const method of ['GET', 'POST'] as const) {
        const res = await t.app.inject({ method, url });
        expect(res.statusCode, `${method} ${url}`).toBe(404);
      }
    }
    // A percent-encoded spelling of a known path still gets its 405 + Allow.
    const encoded = await t.app.inject({ method: 'GET', url: '/api/oauth/%74oken' });
    expect(encoded.statusCode).toBe(405);
    expect(encoded.headers.allow).toBe('POST');
    const bad = await t.app.inject({ method: 'POST', url: '/api/oauth/%zz' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_request');
  });

  it('rejects Basic together with a repeated client_secret or client_id (one method, no repeats)', async () => {
    const auth = { authorization: basic('svc-basic', 'basic-secret') };
    for (const body of [
      'grant_type=client_credentials&client_secret=a&client_secret=b',
      'grant_type=client_credentials&client_id=svc-basic&client_id=other',
    ]) {
      const res = await post('/api/oauth/token', body, auth);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
  });

  it('answers malformed percent-encoding in Basic credentials with 401 and WWW-Authenticate', async () => {
    const res = await post('/api/oauth/token', 'grant_type=client_credentials', {
      authorization: `Basic ${Buffer.from('%ZZ:x').toString('base64')}`,
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
  });

  it('accepts only absolute URIs without a fragment as resource, exactly as sent (RFC 8707 §2)', async () => {
    const auth = { authorization: basic('svc-basic', 'basic-secret') };
    for (const resource of [
      'https://rs.example/#',
      'https://rs.example/#x',
      ' https://rs.example ',
      'https://rs.exa\nmple/',
      'https://rs.example/\tx',
      '/relative',
      'https://rs.example/é',
    ]) {
      const res = await post(
        '/api/oauth/token',
        new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
        auth,
      );
      expect(res.statusCode, JSON.stringify(resource)).toBe(400);
      expect(res.json().error).toBe('invalid_target');
    }
    const ok = await post(
      '/api/oauth/token',
      new URLSearchParams({ grant_type: 'client_credentials', resource: 'urn:example:rs' }).toString(),
      auth,
    );
    expect(ok.statusCode).toBe(200);
  });
});
