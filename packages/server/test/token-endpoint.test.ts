import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';
import { basic } from './support/http.js';

const form = (o: Record<string, string | string[]>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
};
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('POST /api/oauth/token', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.close());

  const post = (body: string, headers: Record<string, string> = {}, url = '/api/oauth/token') =>
    t.app.inject({ method: 'POST', url, headers: { ...FORM, ...headers }, payload: body });

  it('issues a JWT access token with client_secret_basic and no-store', async () => {
    const res = await post(form({ grant_type: 'client_credentials', scope: 'read' }), {
      authorization: basic('svc-basic', 'basic-secret'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'read' });
  });

  it('issues a token with client_secret_post and defaults to all client scopes', async () => {
    const res = await post(
      form({ grant_type: 'client_credentials', client_id: 'svc-post', client_secret: 'post-secret' }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().scope).toBe('read');
  });

  it('rejects a wrong secret with invalid_client 401 and WWW-Authenticate for Basic', async () => {
    const res = await post(form({ grant_type: 'client_credentials' }), {
      authorization: basic('svc-basic', 'nope'),
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    expect(res.json().error).toBe('invalid_client');
  });

  it('rejects an unknown client in the body with invalid_client 401', async () => {
    const res = await post(
      form({ grant_type: 'client_credentials', client_id: 'ghost', client_secret: 'x' }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.json().error).toBe('invalid_client');
  });

  it('rejects a client using a method other than its registered one', async () => {
    const res = await post(
      form({ grant_type: 'client_credentials', client_id: 'svc-basic', client_secret: 'basic-secret' }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
  });

  it('rejects missing client authentication with invalid_client', async () => {
    const res = await post(form({ grant_type: 'client_credentials' }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
  });

  it('rejects garbage Basic credentials without a 500', async () => {
    const res = await post(form({ grant_type: 'client_credentials' }), { authorization: 'Basic %%%' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
  });

  it('answers unsupported_grant_type for unknown grants', async () => {
    const res = await post(form({ grant_type: 'password' }), {
      authorization: basic('svc-basic', 'basic-secret'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('unsupported_grant_type');
  });

  it('answers unsupported_grant_type to a public client (and to a request without credentials) too', async () => {
    for (const payload of [
      form({ grant_type: 'password', client_id: 'anyone' }),
      form({ grant_type: 'password' }),
    ]) {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('unsupported_grant_type');
    }
  });

  it('answers unauthorized_client when the client may not use the grant', async () => {
    const res = await post(form({ grant_type: 'client_credentials' }), {
      authorization: basic('svc-nogrant', 'nogrant-secret'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('unauthorized_client');
  });

  it('answers invalid_request when grant_type is missing or repeated', async () => {
    const auth = { authorization: basic('svc-basic', 'basic-secret') };
    expect((await post(form({}), auth)).json().error).toBe('invalid_request');
    const res = await post(form({ grant_type: ['client_credentials', 'client_credentials'] }), auth);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_request');
  });

  it('answers invalid_request for a JSON body or malformed body', async () => {
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/token',
      headers: { 'content-type': 'application/json', authorization: basic('svc-basic', 'basic-secret') },
      payload: '{"grant_type":"client_credentials"}',
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toBe('invalid_request');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toBe('invalid_request');
  });

  it('answers invalid_scope for a scope the client does not have', async () => {
    const res = await post(form({ grant_type: 'client_credentials', scope: 'read admin' }), {
      authorization: basic('svc-basic', 'basic-secret'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_scope');
  });

  it('mints tokens only for the resources the client is registered for (RFC 8707 §2)', async () => {
    const auth = { authorization: basic('svc-basic', 'basic-secret') };
    const two = await post(
      'grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&resource=https%3A%2F%2Fbilling.example.com',
      auth,
    );
    expect(two.statusCode).toBe(200);
    const aud = JSON.parse(Buffer.from(two.json().access_token.split('.')[1], 'base64url').toString()).aud;
    expect(aud).toEqual(['https://api.example.com', 'https://billing.example.com']);
    for (const payload of [
      form({ grant_type: 'client_credentials', resource: 'https://payroll.example.com' }),
      'grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&resource=https%3A%2F%2Fpayroll.example.com',
    ]) {
      const res = await post(payload, auth);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'invalid_target',
        error_description: 'resource not allowed for this client',
      });
    }
    // Another client's resources are not this client's.
    const other = await post(
      form({
        grant_type: 'client_credentials',
        client_id: 'svc-post',
        client_secret: 'post-secret',
        resource: 'https://billing.example.com',
      }),
    );
    expect(other.json().error).toBe('invalid_target');
  });

  it('refuses resource on the user grants instead of ignoring it', async () => {
    for (const grant_type of [
      'authorization_code',
      'refresh_token',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]) {
      const res = await post(form({ grant_type, resource: 'https://api.example.com' }), {
        authorization: basic('svc-basic', 'basic-secret'),
      });
      expect(res.json().error, grant_type).toBe('invalid_target');
    }
  });

  it('answers invalid_target for a relative resource', async () => {
    const res = await post(form({ grant_type: 'client_credentials', resource: '/api' }), {
      authorization: basic('svc-basic', 'basic-secret'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_target');
  });

  it('introspection and revocation require client authentication', async () => {
    for (const url of ['/api/oauth/introspect', '/api/oauth/revoke']) {
      const res = await post(form({ token: 'x' }), {}, url);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_client');
    }
  });

  it('introspection answers active:false for malformed and unknown tokens; revoke answers 200', async () => {
    const auth = { authorization: basic('svc-basic', 'basic-secret') };
    for (const token of ['garbage', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.']) {
      const res = await post(form({ token }), auth, '/api/oauth/introspect');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ active: false });
      expect((await post(form({ token }), auth, '/api/oauth/revoke')).statusCode).toBe(200);
    }
    const missing = await post(form({}), auth, '/api/oauth/introspect');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe('invalid_request');
  });

  it('unknown routes answer 404 JSON', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
  });
});
