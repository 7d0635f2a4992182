import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFetchTransport, validateIdToken } from '../src/index.js';
import { createJwksResolver } from '../src/oidc/jwks.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  return { jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256' }, privateKey, kid };
}

describe('JWKS cache', () => {
  it('refetches on an unknown kid at most once per 30 s', async () => {
    const k1 = await keyPair('k1');
    const k2 = await keyPair('k2');
    let published = [k1.jwk];
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    const keys = createJwksResolver(`${server.url}/jwks`, createFetchTransport());
    const sign = (k: typeof k1) =>
      new SignJWT({ sub: 'u' })
        .setProtectedHeader({ alg: 'ES256', kid: k.kid })
        .setIssuer('https://idp.example')
        .setAudience('app')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(k.privateKey);
    const check = { issuer: 'https://idp.example', clientId: 'app', keys };
    await validateIdToken(await sign(k1), check);
    expect(server.requests).toHaveLength(1);

    published = [k1.jwk, k2.jwk];
    // within 30 s of the last fetch: no refetch, the unknown kid is rejected
    await expect(validateIdToken(await sign(k2), check)).rejects.toMatchObject({ code: 'invalid_id_token' });
    expect(server.requests).toHaveLength(1);

    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 31_000);
    await expect(validateIdToken(await sign(k2), check)).resolves.toMatchObject({ sub: 'u' });
    expect(server.requests).toHaveLength(2);
  });
});
