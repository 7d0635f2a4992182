import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuth2Client, NetworkError, ProviderError } from '../src/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { type LocalServer, sendJson, startLocalServer } from './support/local-server.js';
import { recordingLogger } from './support/log-capture.js';
import { storedTokens } from './support/stored-tokens.js';

/**
 * A provider with single-use rotating refresh tokens (RFC 9700 §4.14.2) whose refresh responses carry an ID
 * token, and whose JWKS endpoint answers 503 while `jwksDown` is set (a transient outage).
 */
interface Provider {
  server: LocalServer;
  issuer: string;
  /** While true, `/jwks` answers 503. */
  jwksDown: boolean;
  /** Claims of the ID token in the next refresh responses (over the defaults). */
  claims: JWTPayload;
  /** Sign with a key the JWKS does not publish. */
  forge: boolean;
  presented: string[];
  revoked: string[];
  idToken(claims?: JWTPayload): Promise<string>;
}

let op: Provider;
beforeEach(async () => {
  const published = await generateKeyPair('ES256');
  const foreign = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256' };
  const live = new Set(['rt-0']);
  let n = 0;
  const sign = (claims: JWTPayload = {}, forged = false) =>
    new SignJWT({ sub: 'user-1', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(op.issuer)
      .setAudience('app')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(forged ? foreign.privateKey : published.privateKey);
  const server = await startLocalServer((req, res, body) => {
    const json = (status: number, value: unknown) => sendJson(res, value, status);
    const form = new URLSearchParams(body);
    if (req.url === '/jwks') {
      if (op.jwksDown) return void res.writeHead(503).end('down');
      return json(200, { keys: [jwk] });
    }
    if (req.url === '/revoke') {
      op.revoked.push(form.get('token') ?? '');
      return void res.writeHead(200).end();
    }
    const token = form.get('refresh_token') ?? '';
    op.presented.push(token);
    if (!live.delete(token)) return json(400, { error: 'invalid_grant' });
    n++;
    live.add(`rt-${n}`);
    void sign(op.claims, op.forge).then((idToken) =>
      json(200, {
        access_token: `at-${n}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `rt-${n}`,
        id_token: idToken,
      }),
    );
  });
  op = {
    server,
    issuer: server.url,
    jwksDown: false,
    claims: {},
    forge: false,
    presented: [],
    revoked: [],
    idToken: (claims) => sign(claims),
  };
});
afterEach(async () => {
  await op.server.close();
});

async function setUp() {
  const { logger, logs } = recordingLogger();
  const expired: string[] = [];
  const storage = new MemoryTokenStorage();
  const client = createOAuth2Client({
    clientId: 'app',
    clientSecret: 's',
    issuer: op.issuer,
    tokenEndpoint: `${op.issuer}/token`,
    jwksUri: `${op.issuer}/jwks`,
    revocationEndpoint: `${op.issuer}/revoke`,
    redirectUri: 'http://127.0.0.1/cb',
    storage,
    resilience: { retry: { initialDelayMs: 1 } },
    logger,
    onTokenExpired: (key) => void expired.push(key),
  });
  const login = await op.idToken();
  await storage.store(
    'k',
    storedTokens({
      accessToken: 'at-0',
      refreshToken: 'rt-0',
      idToken: login,
      expiresAt: Date.now() - 1000,
      scopes: ['openid'],
    }),
  );
  return { client, storage, manager: client.tokens(), login, logs, expired };
}

describe('client.refresh when the JWKS cannot be fetched', () => {
  it('rejects with the ProviderError of the failing JWKS fetch, retryable, not invalid_id_token', async () => {
    const { client } = await setUp();
    op.jwksDown = true;
    const error = await client.refresh('rt-0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'server_error', status: 503, retryable: true });
  });

  it('rejects with a NetworkError when the JWKS host does not answer', async () => {
    const { client: base } = await setUp();
    const client = createOAuth2Client({
      ...base.config,
      jwksUri: 'http://127.0.0.1:9/jwks',
      resilience: false,
    });
    await expect(client.refresh('rt-0')).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('TokenManager: the ID token of a refresh response (OIDC Core §12.2, RFC 9700 §4.14.2)', () => {
  it('a JWKS outage keeps the rotated refresh token, the new access token and the previous ID token', async () => {
    const { storage, manager, login, logs } = await setUp();
    op.jwksDown = true;
    expect((await manager.getAccessToken('k')).token).toBe('at-1');
    expect(await storage.get('k')).toMatchObject({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      idToken: login,
    });
    const warning = logs.find((l) => l.level === 'warn');
    expect(warning?.msg).toMatch(/could not be validated/);
    expect(JSON.stringify(logs)).not.toMatch(/rt-\d|at-\d|eyJ/);

    // Once the JWKS is back, the next refresh uses rt-1 (no reuse) and stores its validated ID token.
    op.jwksDown = false;
    expect((await manager.forceRefresh('k')).token).toBe('at-2');
    expect(op.presented).toEqual(['rt-0', 'rt-1']);
    const next = await storage.get('k');
    expect(next?.refreshToken).toBe('rt-2');
    expect(next?.idToken).not.toBe(login);
  });

  it('an ID token for another subject empties the key, revokes the new refresh token and asks for a new sign-in', async () => {
    const { storage, manager, expired } = await setUp();
    op.claims = { sub: 'user-2' }; // validly signed, but someone else
    await expect(manager.getAccessToken('k')).rejects.toMatchObject({
      name: 'TokenError',
      code: 'reauthentication_required',
      cause: { name: 'ProtocolError', code: 'invalid_id_token' },
    });
    expect(await storage.get('k')).toBeUndefined();
    expect(op.revoked).toEqual(['rt-1']);
    expect(expired).toEqual(['k']);
  });

  it('an ID token with a bad signature is rejected the same way, never stored', async () => {
    const { storage, manager } = await setUp();
    op.forge = true;
    await expect(manager.getAccessToken('k')).rejects.toMatchObject({ code: 'reauthentication_required' });
    expect(await storage.get('k')).toBeUndefined();
    expect(op.revoked).toEqual(['rt-1']);
  });

  it('a valid ID token for the same user replaces the stored one', async () => {
    const { storage, manager, login } = await setUp();
    expect((await manager.getAccessToken('k')).token).toBe('at-1');
    const stored = await storage.get('k');
    expect(stored?.refreshToken).toBe('rt-1');
    expect(stored?.idToken).not.toBe(login);
  });
});
