import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalClaims } from '../src/service/grants/local-claims.js';
import { signEs256Jwt } from '../src/service/jwt.js';

describe('in-process single-use claims (in-process store)', () => {
  const now = 1_000_000_000_000; // ms
  const inSecs = (s: number) => now / 1000 + s;

  it('lets exactly one caller claim an id, even many callers at once', async () => {
    const claims = new LocalClaims();
    const id = `code:${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, async () => claims.claim(id, inSecs(600), now)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(claims.claim(`code:${randomUUID()}`, inSecs(600), now)).toBe(true);
  });

  it('keeps a claim until it expires, then forgets it', () => {
    const claims = new LocalClaims();
    expect(claims.claim('rt:a', inSecs(60), now)).toBe(true);
    expect(claims.claim('rt:a', inSecs(60), now + 59_000)).toBe(false);
    expect(claims.claim('rt:a', inSecs(60), now + 60_000)).toBe(true);
  });

  it('sweeps expired claims as it grows, but never a live one', () => {
    const claims = new LocalClaims();
    expect(claims.claim('live', inSecs(3600), now)).toBe(true);
    for (let i = 0; i < 5000; i++) claims.claim(`old:${i}`, inSecs(1), now);
    for (let i = 0; i < 5000; i++) claims.claim(`new:${i}`, inSecs(3600), now + 2000);
    expect(claims.size).toBeLessThan(5000 + 1 + 1024); // most expired markers are gone
    expect(claims.claim('live', inSecs(3600), now + 2000)).toBe(false);
  });
});

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
