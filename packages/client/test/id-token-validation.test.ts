import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateIdToken } from '../src/index.js';

const ISS = 'https://idp.example';
let sign: (claims: Record<string, unknown>) => Promise<string>;
let keys: ReturnType<typeof createLocalJWKSet>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }] });
  sign = (claims) =>
    new SignJWT({ sub: 'u', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer(String(claims['iss'] ?? ISS))
      .setIssuedAt()
      .setExpirationTime(typeof claims['exp'] === 'number' ? claims['exp'] : '5m')
      .sign(privateKey);
});

describe('ID token validation (OIDC Core §3.1.3.7)', () => {
  it('accepts a valid token', async () => {
    const token = await sign({ aud: 'app', nonce: 'n1' });
    await expect(
      validateIdToken(token, { issuer: ISS, clientId: 'app', keys, nonce: 'n1' }),
    ).resolves.toMatchObject({
      sub: 'u',
    });
  });

  it.each([
    ['wrong nonce', { aud: 'app', nonce: 'other' }, 'nonce_mismatch'],
    ['wrong audience', { aud: 'someone-else', nonce: 'n1' }, 'invalid_id_token'],
    ['wrong issuer', { aud: 'app', nonce: 'n1', iss: 'https://evil.example' }, 'invalid_id_token'],
    ['multiple audiences without azp', { aud: ['app', 'other'], nonce: 'n1' }, 'invalid_id_token'],
    [
      'expired beyond skew',
      { aud: 'app', nonce: 'n1', exp: Math.floor(Date.now() / 1000) - 3600 },
      'invalid_id_token',
    ],
  ] as const)('rejects %s', async (_name, claims, code) => {
    const token = await sign(claims as Record<string, unknown>);
    await expect(
      validateIdToken(token, { issuer: ISS, clientId: 'app', keys, nonce: 'n1' }),
    ).rejects.toMatchObject({
      name: 'ProtocolError',
      code,
    });
  });
});
