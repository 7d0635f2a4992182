import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, testApp } from './support/app.js';
import {
  Browser,
  FORM,
  hiddenFields,
  pkce,
  postAsWebApp,
  WEB_APP,
  webAppOpenidParams,
} from './support/form-login.js';

/*
 * An issuer with a path (RFC 8414 §2 allows one): clients build every URL from it, so every endpoint is served
 * under that path, the metadata where OIDC Discovery §4 and RFC 8414 §3.1 put it, and the pages' forms and
 * cookies follow.
 */

const ISSUER = 'http://127.0.0.1:4000/tenant-a';
const WEB = {
  ...WEB_APP,
  grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
  post_logout_redirect_uris: ['https://app.example.com/bye'],
};
const USER = { username: 'alice', password: 'correct horse battery' };

describe('an issuer with a path', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp({ oauth: { issuer: ISSUER }, clients: [...CLIENTS, WEB], users: [USER] });
  });
  afterAll(async () => t.close());

  const metadata = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/tenant-a/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    return res.json() as Record<string, unknown>;
  };

  it('serves the metadata at <issuer>/.well-known/openid-configuration and RFC 8414 §3.1 location', async () => {
    expect((await metadata())['issuer']).toBe(ISSUER);
    const rfc8414 = await t.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-authorization-server/tenant-a',
    });
    expect(rfc8414.statusCode).toBe(200);
    expect(rfc8414.json().issuer).toBe(ISSUER);
    // Not at the root: that would be the metadata of an issuer without the path.
    const root = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    expect(root.statusCode).toBe(404);
  });

  it('serves every endpoint the metadata advertises, at the advertised path', async () => {
    const doc = await metadata();
    const post = new Set([
      'token_endpoint',
      'introspection_endpoint',
      'revocation_endpoint',
      'device_authorization_endpoint',
    ]);
    const names = Object.keys(doc).filter((k) => k.endsWith('_endpoint') || k === 'jwks_uri');
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) {
      const url = new URL(doc[name] as string);
      expect(url.origin + url.pathname, name).toMatch(/^http:\/\/127\.0\.0\.1:4000\/tenant-a\//);
      const res = await t.app.inject({
        method: post.has(name) ? 'POST' : 'GET',
        url: url.pathname,
        ...(post.has(name) ? { headers: FORM, payload: '' } : {}),
      });
      expect([404, 405], `${name} ${url.pathname} answered ${res.statusCode}`).not.toContain(res.statusCode);
    }
    // The endpoints are not also served at the root.
    const rootAuthorize = await t.app.inject({ method: 'GET', url: '/api/oauth/authorize' });
    expect(rootAuthorize.statusCode).toBe(404);
  });

  it('signs in through forms that post under the path, with cookies scoped to it, and redeems the code', async () => {
    const b = new Browser(t);
    const { challenge, verifier } = pkce();
    const query = new URLSearchParams(webAppOpenidParams({ code_challenge: challenge }));
    const page = await b.request('GET', `/tenant-a/api/oauth/authorize?${query}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('action="/tenant-a/api/oauth/authorize"');
    const consent = await b.request('POST', '/tenant-a/api/oauth/authorize', {
      ...hiddenFields(page.body),
      username: USER.username,
      password: USER.password,
    });
    expect(consent.statusCode).toBe(200);
    expect(consent.body).toContain('action="/tenant-a/api/oauth/authorize"');
    const cookies = [...page.cookies, ...consent.cookies];
    expect(cookies.map((c) => c.name).sort()).toEqual(['gh_csrf', 'gh_session']);
    for (const c of cookies) expect(c.path, c.name).toBe('/tenant-a');
    const done = await b.request('POST', '/tenant-a/api/oauth/authorize', {
      ...hiddenFields(consent.body),
      consent: 'approve',
    });
    expect(done.statusCode).toBe(303);
    const loc = new URL(done.headers.location as string);
    expect(loc.searchParams.get('iss')).toBe(ISSUER);
    const tok = await postAsWebApp(t.app, '/tenant-a/api/oauth/token', {
      grant_type: 'authorization_code',
      code: loc.searchParams.get('code')!,
      redirect_uri: 'https://app.example.com/cb',
      code_verifier: verifier,
    });
    expect(tok.statusCode).toBe(200);
    expect(tok.json().id_token).toBeTypeOf('string');
  });

  it('points the logout and device forms, and the device verification_uri, under the path', async () => {
    const logout = await t.app.inject({ method: 'GET', url: '/tenant-a/api/oauth/logout' });
    expect(logout.body).toContain('action="/tenant-a/api/oauth/logout"');
    const device = await t.app.inject({ method: 'GET', url: '/tenant-a/api/oauth/device' });
    expect(device.body).toContain('action="/tenant-a/api/oauth/device"');
    const start = await postAsWebApp(t.app, '/tenant-a/api/oauth/device_authorization', { scope: 'openid' });
    expect(start.json().verification_uri).toBe(`${ISSUER}/api/oauth/device`);
  });
});

describe('an https issuer with a path', () => {
  it('keeps the __Host- cookies at Path=/ (the prefix requires it), while the forms post under the path', async () => {
    const t = await testApp({
      oauth: { issuer: 'https://id.example.com/tenant-a' },
      clients: [...CLIENTS, WEB],
      users: [USER],
    });
    try {
      const query = new URLSearchParams(webAppOpenidParams());
      const page = await t.app.inject({ method: 'GET', url: `/tenant-a/api/oauth/authorize?${query}` });
      expect(page.body).toContain('action="/tenant-a/api/oauth/authorize"');
      expect(page.cookies).toHaveLength(1);
      expect(page.cookies[0]).toMatchObject({ name: '__Host-gh_csrf', path: '/', secure: true });
    } finally {
      await t.close();
    }
  });
});
