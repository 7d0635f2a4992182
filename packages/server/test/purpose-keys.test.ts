/**
 * The server secret is never used as a key itself: cookies, CSRF tokens, login proofs, the public `sid` and
 * grant ids each use a key derived from it with HKDF (RFC 5869) for that purpose alone; the signing keys'
 * encryption keeps the derivation they were stored under.
 */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { unsign } from '@fastify/cookie';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacKey, sha256Key } from '../src/service/crypto/hash.js';
import { derivePurposeKeys } from '../src/service/crypto/purpose-keys.js';
import { encryptWithSecret } from '../src/service/crypto/secrets.js';
import { publicSessionId } from '../src/service/sessions/sessions.js';
import { csrfToken } from '../src/service/sign-in/csrf.js';
import { loginProof } from '../src/service/sign-in/login-proof.js';
import { authRequest, SECRET, type TestApp, testApp, tokenRequest } from './support/app.js';
import { authorizeUrl, hiddenFields, pkce } from './support/form-login.js';

const WEB = {
  client_id: 'keys-web',
  client_secret: 'keys-web-secret-0123456789abcdefghij',
  grant_types: ['authorization_code'],
  redirect_uris: ['https://app.example.com/cb'],
};
const ALICE = { username: 'alice', password: 'correct horse battery' };
const keys = derivePurposeKeys(SECRET);
/** What a value made directly under the server secret would be. */
const underSecret = (value: string) => hmacKey(Buffer.from(SECRET), value);

describe('purpose keys', () => {
  it('derives a distinct 256-bit key per purpose, the same on every node, none of them the secret', () => {
    const all = Object.values(keys);
    expect(Object.keys(keys).sort()).toEqual(['cookies', 'csrf', 'grantId', 'loginProof', 'sessionId']);
    for (const k of all) expect(k).toHaveLength(32);
    expect(new Set(all.map((k) => k.toString('hex'))).size).toBe(all.length);
    expect(all.some((k) => k.equals(Buffer.from(SECRET)))).toBe(false);
    expect(derivePurposeKeys(SECRET)).toEqual(keys);
    expect(derivePurposeKeys(`${SECRET}x`).csrf.equals(keys.csrf)).toBe(false);
    const session = { sid: 's', userId: 'u', authTime: 1 };
    expect(loginProof(keys.loginProof, session)).not.toBe(underSecret(`login-proof:s:1`));
  });

  it('keeps the signing keys encrypted under HKDF(secret, "gatehouse", "signing-key-encryption")', () => {
    // Stored keys were encrypted under exactly this key: decrypting with it by hand must work.
    const [iv, tag, ct] = encryptWithSecret('private jwk', SECRET)
      .split('.')
      .map((p) => Buffer.from(p, 'base64url'));
    const key = Buffer.from(hkdfSync('sha256', SECRET, 'gatehouse', 'signing-key-encryption', 32));
    const decipher = createDecipheriv('aes-256-gcm', key, iv!);
    decipher.setAuthTag(tag!);
    expect(Buffer.concat([decipher.update(ct!), decipher.final()]).toString()).toBe('private jwk');
  });

  describe('in the server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await testApp({ clients: [WEB], users: [ALICE] });
    });
    afterAll(() => t.close());

    it('signs cookies and makes CSRF tokens under their own keys', async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: authorizeUrl({
          response_type: 'code',
          client_id: WEB.client_id,
          redirect_uri: WEB.redirect_uris[0]!,
          code_challenge: pkce().challenge,
          code_challenge_method: 'S256',
        }),
      });
      expect(res.statusCode).toBe(200);
      const cookie = res.cookies.find((c) => c.name === 'gh_csrf')!;
      expect(unsign(cookie.value, SECRET).valid).toBe(false);
      const binding = unsign(cookie.value, keys.cookies);
      expect(binding.valid).toBe(true);
      const token = hiddenFields(res.body)['csrf_token'];
      expect(token).toBe(csrfToken(keys.csrf, binding.value!));
      expect(token).not.toBe(underSecret(`csrf:${binding.value}`));
    });

    it('derives the grant id and the ID token sid under their own keys', async () => {
      const { verifier, challenge } = pkce();
      const client = (await t.ctx.clients.find(WEB.client_id))!;
      const userId = (await t.ctx.users.verifyPassword(ALICE.username, ALICE.password))!.id;
      const req = authRequest(client, {
        redirectUri: WEB.redirect_uris[0]!,
        scopes: ['openid'],
        codeChallenge: challenge,
      });
      const session = { sid: 'browser-session', userId, authTime: 1 };
      const code = await t.ctx.authorizationCodes.issueCode(req, session);
      const res = await t.ctx.authorizationCodes.exchange(
        client,
        tokenRequest({ code, redirect_uri: WEB.redirect_uris[0]!, code_verifier: verifier }),
      );
      const grantId = decodeJwt(res['access_token'] as string)['grant_id'];
      expect(grantId).toBe(hmacKey(keys.grantId, `grant:${sha256Key(code)}`));
      expect(grantId).not.toBe(underSecret(`grant:${sha256Key(code)}`));
      const sid = decodeJwt(res['id_token'] as string)['sid'];
      expect(sid).toBe(publicSessionId(keys.sessionId, session.sid));
      expect(sid).not.toBe(underSecret(`sid:${session.sid}`));
    });
  });
});
