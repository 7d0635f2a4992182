import { createHash } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuth2Client, ProtocolError, validateIdToken } from '../src/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { TokenManager } from '../src/token/index.js';
import { type ScriptedOidc, startScriptedOidc } from './support/scripted-oidc.js';

let op: ScriptedOidc;
beforeEach(async () => {
  op = await startScriptedOidc();
});
afterEach(async () => {
  await op.server.close();
});

/** OIDC Core §3.1.3.6: base64url of the left half of the hash the JWS alg names. */
function atHash(accessToken: string, hash: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  const digest = createHash(hash).update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** Runs the authorization code flow up to the callback with `openid` or not. */
async function signIn(scopes: string[]) {
  const flow = createOAuth2Client(op.config).authorizationCodePkce();
  const { state } = await flow.buildAuthorizationUrl({ scopes });
  return flow.handleCallback({ code: 'the-code', state });
}

describe('authorization code: the ID token of an openid request (OIDC Core §3.1.3.3)', () => {
  it('a token response without id_token is rejected when openid was requested', async () => {
    op.tokenResponse = () => ({ access_token: 'at', token_type: 'Bearer' });
    const error = await signIn(['openid']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'id_token_missing' });
  });

  it('without openid no ID token is expected', async () => {
    op.tokenResponse = () => ({ access_token: 'at', token_type: 'Bearer' });
    expect((await signIn(['api'])).accessToken).toBe('at');
  });
});

describe('at_hash (OIDC Core §3.1.3.8)', () => {
  it('an ID token whose at_hash does not match the access token is rejected', async () => {
    const idToken = await op.idToken({ at_hash: atHash('another-access-token') });
    op.tokenResponse = () => ({ access_token: 'at', token_type: 'Bearer', id_token: idToken });
    await expect(signIn(['api'])).rejects.toMatchObject({ name: 'ProtocolError', code: 'invalid_id_token' });
  });

  it('a matching at_hash is accepted, and an ID token without at_hash too (optional for the code flow)', async () => {
    const withHash = await op.idToken({ at_hash: atHash('at') });
    op.tokenResponse = () => ({ access_token: 'at', token_type: 'Bearer', id_token: withHash });
    expect((await signIn(['api'])).idTokenClaims?.['at_hash']).toBe(atHash('at'));
    const without = await op.idToken();
    op.tokenResponse = () => ({ access_token: 'at', token_type: 'Bearer', id_token: without });
    expect((await signIn(['api'])).idTokenClaims?.['sub']).toBe('user-1');
  });

  it.each([
    ['ES256', 'sha256'],
    ['ES384', 'sha384'],
    ['ES512', 'sha512'],
    ['PS384', 'sha384'],
  ] as const)('%s tokens hash the access token with %s', async (alg, hash) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k', alg }] });
    const token = (value: string) =>
      new SignJWT({ sub: 'u', aud: 'app', at_hash: value })
        .setProtectedHeader({ alg, kid: 'k' })
        .setIssuer('https://idp.example')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const check = { issuer: 'https://idp.example', clientId: 'app', keys, accessToken: 'at' };
    await expect(validateIdToken(await token(atHash('at', hash)), check)).resolves.toBeDefined();
    const other = hash === 'sha256' ? 'sha512' : 'sha256';
    await expect(validateIdToken(await token(atHash('at', other)), check)).rejects.toMatchObject({
      code: 'invalid_id_token',
    });
  });
});

describe('ID tokens returned on refresh (OIDC Core §12.2)', () => {
  it('client.refresh rejects an ID token with a bad signature', async () => {
    const forged = await op.idToken({}, { foreign: true });
    op.tokenResponse = () => ({ access_token: 'at-2', token_type: 'Bearer', id_token: forged });
    await expect(createOAuth2Client(op.config).refresh('rt')).rejects.toMatchObject({
      name: 'ProtocolError',
      code: 'invalid_id_token',
    });
  });

  it('client.refresh accepts a valid one', async () => {
    const idToken = await op.idToken({ at_hash: atHash('at-2') });
    op.tokenResponse = () => ({ access_token: 'at-2', token_type: 'Bearer', id_token: idToken });
    expect((await createOAuth2Client(op.config).refresh('rt')).idToken).toBe(idToken);
  });

  it('the token manager never stores an ID token for another subject: the key is emptied instead', async () => {
    const storage = new MemoryTokenStorage();
    const client = createOAuth2Client(op.config);
    const manager = new TokenManager({
      storage,
      endpoint: {
        refresh: (rt) => client.refresh(rt, { validateIdToken: false }),
        validateIdToken: (response) => client.validateRefreshedIdToken(response),
      },
    });
    const original = await op.idToken({ sub: 'user-1' });
    const login = {
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      idToken: original,
      tokenType: 'Bearer',
      expiresAt: Date.now() - 1000,
      scopes: [],
      metadata: { createdAt: 0, refreshCount: 0 },
    };
    await storage.store('k', login);
    const otherUser = await op.idToken({ sub: 'user-2' }); // validly signed, but someone else
    op.tokenResponse = () => ({ access_token: 'at-2', token_type: 'Bearer', id_token: otherUser });
    await expect(manager.getAccessToken('k')).rejects.toMatchObject({
      name: 'TokenError',
      code: 'reauthentication_required',
      cause: { name: 'ProtocolError', code: 'invalid_id_token' },
    });
    expect(await storage.get('k')).toBeUndefined();

    await storage.store('k', login);
    const sameUser = await op.idToken({ sub: 'user-1' });
    op.tokenResponse = () => ({ access_token: 'at-3', token_type: 'Bearer', id_token: sameUser });
    expect((await manager.getAccessToken('k')).token).toBe('at-3');
    expect((await storage.get('k'))?.idToken).toBe(sameUser);
  });
});
