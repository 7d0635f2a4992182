import { describe, expect, it } from 'vitest';
import { signEs256Jwt } from '../src/service/tokens/jwt.js';

describe('ES256 signing on the imported key', () => {
  it('produces a compact JWS that jose verifies, without undefined claims', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { compactVerify, exportJWK } = await import('jose');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwt = signEs256Jwt({ kid: 'k1', alg: 'ES256', privateKey }, 'at+jwt', {
      sub: 'u1',
      nonce: undefined,
    });
    const { payload, protectedHeader } = await compactVerify(jwt, publicKey);
    expect(protectedHeader).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' });
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'u1' });
    expect((await exportJWK(publicKey)).crv).toBe('P-256');
  });
});
