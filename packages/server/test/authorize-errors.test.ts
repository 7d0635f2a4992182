/** The authorization endpoint's answers to a request it refuses: an error page, or an error redirect. */
import { describe, expect, it } from 'vitest';
import { baseParams, ISSUER, useAuthorizeServer } from './support/authorize.js';
import { authorizeUrl, pkce } from './support/form-login.js';

describe('authorization endpoint and authorization_code grant', () => {
  const t = useAuthorizeServer();

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
});
