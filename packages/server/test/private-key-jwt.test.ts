import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOAuth2Client } from '@gatehouse/client';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, testApp } from './support/app.js';
import { basic, freePort } from './support/http.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

interface KeyPair {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function keyPair(kid: string, alg = 'ES256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

type T = Awaited<ReturnType<typeof testApp>>;

/** Serves a JWK Set that the test can change (key rotation at the client). */
async function jwksServer(initial: JWK[]) {
  let keys = initial;
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    setKeys: (k: JWK[]) => {
      keys = k;
    },
    hits: () => hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('private_key_jwt client authentication (RFC 7523 §2.2)', () => {
  const ISSUER = 'https://id.example.com';
  const TOKEN_ENDPOINT = `${ISSUER}/api/oauth/token`;
  let t: T;
  let k1: KeyPair;
  let other: KeyPair;
  let rsa: KeyPair;
  let remote: Awaited<ReturnType<typeof jwksServer>>;
  let r1: KeyPair;

  beforeAll(async () => {
    k1 = await keyPair('k1');
    other = await keyPair('k1'); // same kid, different key: a forged signature
    rsa = await keyPair('rsa-1', 'PS256');
    r1 = await keyPair('r1');
    remote = await jwksServer([r1.publicJwk]);
    t = await testApp({
      oauth: { issuer: ISSUER },
      clients: [
        ...CLIENTS,
        {
          client_id: 'pkj',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [k1.publicJwk, rsa.publicJwk] },
          grant_types: ['client_credentials', DEVICE],
          scopes: ['read'],
        },
        {
          client_id: 'pkj-remote',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: remote.url,
          scopes: ['read'],
        },
        { client_id: 'public-app', token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] },
        {
          client_id: 'pkj-down',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `http://127.0.0.1:${await freePort()}/jwks.json`, // nothing listens there
        },
      ],
    });
    // An unknown kid may refetch the jwks_uri at once (production default: at most every 30 s).
    t.ctx.clientAuthentication.assertions.options.jwksCooldownMs = 0;
  });
  afterAll(async () => {
    await t.close();
    await remote.close();
  });

  const sign = (
    key: KeyPair,
    opts: {
      iss?: string;
      sub?: string;
      aud?: string | string[];
      jti?: string | null;
      iat?: number;
      exp?: number | null;
      alg?: string;
      kid?: string;
    } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: opts.alg ?? key.alg, kid: opts.kid ?? key.kid })
      .setIssuer(opts.iss ?? 'pkj')
      .setSubject(opts.sub ?? opts.iss ?? 'pkj')
      .setAudience(opts.aud ?? TOKEN_ENDPOINT)
      .setIssuedAt(opts.iat ?? now);
    if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? now + 60);
    if (opts.jti !== null) jwt.setJti(opts.jti ?? randomUUID());
    return jwt.sign(key.privateKey);
  };

  const post = (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { ...FORM, ...headers },
      payload: new URLSearchParams(form).toString(),
    });
  const token = (assertion: string, extra: Record<string, string> = {}, headers = {}) =>
    post(
      '/api/oauth/token',
      {
        grant_type: 'client_credentials',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
        ...extra,
      },
      headers,
    );
  const rejected = async (
    res: Awaited<ReturnType<typeof token>>,
    description: RegExp,
    assertion?: string,
  ) => {
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
    expect(res.json().error_description).toMatch(description);
    if (assertion) expect(res.body).not.toContain(assertion.split('.')[1]!);
  };

  it('issues a token for an assertion whose aud is the token endpoint or the issuer', async () => {
    const a = await token(await sign(k1));
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ token_type: 'Bearer' });
    const b = await token(await sign(k1, { aud: ISSUER }), { client_id: 'pkj' });
    expect(b.statusCode).toBe(200);
    const c = await token(await sign(rsa, { aud: ['https://other.example.com', ISSUER] }));
    expect(c.statusCode).toBe(200);
  });

  it('authenticates at the introspection, revocation and device authorization endpoints', async () => {
    const access = (await token(await sign(k1))).json().access_token as string;
    const auth = async () => ({
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await sign(k1),
    });
    const intro = await post('/api/oauth/introspect', { token: access, ...(await auth()) });
    expect(intro.statusCode).toBe(200);
    expect(intro.json()).toMatchObject({ active: true, client_id: 'pkj' });
    const revoke = await post('/api/oauth/revoke', { token: access, ...(await auth()) });
    expect(revoke.statusCode).toBe(200);
    const after = await post('/api/oauth/introspect', { token: access, ...(await auth()) });
    expect(after.json()).toEqual({ active: false });
    const device = await post('/api/oauth/device_authorization', { scope: 'read', ...(await auth()) });
    expect(device.statusCode).toBe(200);
    expect(device.json().device_code).toBeTruthy();
    const unauthenticated = await post('/api/oauth/introspect', {
      token: access,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await sign(other),
    });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('rejects a replayed jti', async () => {
    const assertion = await sign(k1);
    expect((await token(assertion)).statusCode).toBe(200);
    await rejected(await token(assertion), /jti.*already been used/, assertion);
  });

  it('rejects a wrong aud, an expired assertion, a too long lifetime, and a missing exp or jti', async () => {
    const now = Math.floor(Date.now() / 1000);
    const wrongAud = await sign(k1, { aud: 'https://evil.example.com/token' });
    await rejected(await token(wrongAud), /'aud'/, wrongAud);
    await rejected(await token(await sign(k1, { iat: now - 600, exp: now - 300 })), /expired/);
    await rejected(await token(await sign(k1, { exp: now + 3600 })), /'exp' is more than 300 seconds/);
    await rejected(await token(await sign(k1, { exp: null })), /'exp' claim is required/);
    await rejected(await token(await sign(k1, { jti: null })), /'jti' claim is required/);
    await rejected(await token(await sign(k1, { iat: now + 600 })), /'iat'/);
  });

  it('rejects HS256 (even with the public key as the HMAC secret) and alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: 'pkj',
      sub: 'pkj',
      aud: TOKEN_ENDPOINT,
      jti: randomUUID(),
      iat: now,
      exp: now + 60,
    };
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(JSON.stringify(k1.publicJwk)));
    await rejected(await token(hs), /algorithm not allowed/, hs);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64(claims)}.`;
    await rejected(await token(none), /algorithm not allowed|not a valid signed JWT/);
  });

  it('rejects an unknown kid, a forged signature, iss ≠ sub and a client_id that does not match', async () => {
    await rejected(await token(await sign(k1, { kid: 'nope' })), /no registered key/);
    await rejected(await token(await sign(other)), /signature is invalid/);
    await rejected(
      await token(await sign(k1, { iss: 'someone-else', sub: 'pkj' })),
      /'iss' must be the client_id/,
    );
    await rejected(await token(await sign(k1), { client_id: 'svc-basic' }), /does not match/);
    await rejected(await token('not-a-jwt'), /not a JWT/);
  });

  it('keeps secrets and assertions apart', async () => {
    // A client registered for a secret cannot authenticate with an assertion (signed by any key) …
    const forSecretClient = await sign(k1, { iss: 'svc-post' });
    // … and is told no more than an unknown client_id would be (no client enumeration).
    await rejected(await token(forSecretClient), /^client authentication failed$/);
    // … a private_key_jwt client cannot use a secret …
    const basicRes = await post(
      '/api/oauth/token',
      { grant_type: 'client_credentials' },
      { authorization: basic('pkj', 'x') },
    );
    expect(basicRes.statusCode).toBe(401);
    // … and using two methods at once is invalid_request (RFC 6749 §2.3).
    const both = await token(await sign(k1), {}, { authorization: basic('svc-basic', 'basic-secret') });
    expect(both.statusCode).toBe(400);
    expect(both.json()).toMatchObject({ error: 'invalid_request' });
    const withSecret = await token(await sign(k1), { client_secret: 'x' });
    expect(withSecret.json()).toMatchObject({ error: 'invalid_request' });
    const wrongType = await token(await sign(k1), { client_assertion_type: 'urn:example:saml' });
    await rejected(wrongType, /unsupported client_assertion_type/);
    const missingType = await post('/api/oauth/token', {
      grant_type: 'client_credentials',
      client_assertion: await sign(k1),
    });
    expect(missingType.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('does not treat a request with an assertion as a public client', async () => {
    const res = await post('/api/oauth/token', {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: 'public-app',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await sign(k1, { iss: 'public-app' }),
    });
    await rejected(res, /^client authentication failed$/);
  });

  it('verifies with keys from jwks_uri and picks up a rotated key', async () => {
    const ok = await token(await sign(r1, { iss: 'pkj-remote' }));
    expect(ok.statusCode).toBe(200);
    const hitsAfterFirst = remote.hits();
    expect(await token(await sign(r1, { iss: 'pkj-remote' }))).toMatchObject({ statusCode: 200 });
    expect(remote.hits()).toBe(hitsAfterFirst); // cached, not fetched per request
    const r2 = await keyPair('r2');
    remote.setKeys([r2.publicJwk]);
    const rotated = await token(await sign(r2, { iss: 'pkj-remote' }));
    expect(rotated.statusCode).toBe(200);
    expect(remote.hits()).toBe(hitsAfterFirst + 1);
    await rejected(await token(await sign(r1, { iss: 'pkj-remote' })), /no registered key/);
  });

  it('answers invalid_client (not 500) when the jwks_uri cannot be fetched', async () => {
    await rejected(await token(await sign(r1, { iss: 'pkj-down' })), /keys could not be loaded/);
  });

  it('advertises private_key_jwt and only asymmetric signing algorithms', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    for (const endpoint of ['token', 'introspection', 'revocation']) {
      expect(doc[`${endpoint}_endpoint_auth_methods_supported`]).toContain('private_key_jwt');
      const algs = doc[`${endpoint}_endpoint_auth_signing_alg_values_supported`] as string[];
      expect(algs).toEqual(expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA']));
      expect(algs.filter((a) => a.startsWith('HS') || a === 'none')).toEqual([]);
    }
    expect(doc.introspection_endpoint_auth_methods_supported).not.toContain('none');
  });
});

describe('private_key_jwt against a listening server', () => {
  let t: T;
  let issuer: string;
  let key: KeyPair;

  beforeAll(async () => {
    key = await keyPair('rp-key', 'RS256');
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    t = await testApp({
      oauth: { issuer },
      clients: [
        {
          client_id: 'machine',
          token_endpoint_auth_method: 'private_key_jwt',
          jwks: { keys: [key.publicJwk] },
          scopes: ['api'],
        },
      ],
    });
    await t.app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => t.close());

  it('openid-client 6 (PrivateKeyJwt) gets a token and introspects it', async () => {
    const config = await client.discovery(
      new URL(issuer),
      'machine',
      undefined,
      client.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }),
      { execute: [client.allowInsecureRequests] },
    );
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api' });
    expect(tokens.access_token).toBeTruthy();
    const intro = await client.tokenIntrospection(config, tokens.access_token);
    expect(intro).toMatchObject({ active: true, client_id: 'machine', scope: 'api' });
  });

  it('@gatehouse/client gets a token with private_key_jwt (aud = token endpoint URL)', async () => {
    const gh = createOAuth2Client({
      clientId: 'machine',
      privateKey: key.privateKey,
      keyId: key.kid,
      tokenEndpoint: `${issuer}/api/oauth/token`,
    });
    const tok = await gh.clientCredentials().requestToken({ scopes: ['api'] });
    expect(tok.accessToken).toBeTruthy();
    expect(tok.scopes).toEqual(['api']);
  });
});
