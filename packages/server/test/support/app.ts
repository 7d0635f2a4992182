/** The server under test: its configuration (an in-memory database, a few clients) and the app built from it. */
import { randomBytes } from 'node:crypto';
import { type Gatehouse, openGatehouse } from '../../src/app/gatehouse.js';
import { buildApp } from '../../src/app/server.js';
import { type AppConfig, loadConfig } from '../../src/config/index.js';
import type { Client } from '../../src/domain/index.js';
import type { AuthRequest } from '../../src/service/authorization/authorization-request.js';
import { hashClientSecret } from '../../src/service/crypto/secrets.js';
import type { TokenRequest } from '../../src/service/grants/grant.js';
import type { HttpAppOptions } from '../../src/web/app.js';

export const SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

/**
 * This test file's Redis namespace (`redis.key_prefix`): test files run in parallel against one Redis, and
 * must not count each other's requests in the rate limits or read each other's records. The servers of one
 * file share it, as the nodes of one deployment do.
 */
export const TEST_REDIS_KEY_PREFIX = `test-${randomBytes(6).toString('hex')}:`;

/**
 * A fixture client's secret as the config file takes it without the secret itself (`client_secret_hash`): the
 * tests keep short, readable secrets, which `client_secret` refuses (fewer than 32 characters).
 */
export const hashedSecret = (secret: string) => ({ client_secret_hash: hashClientSecret(secret) });

export const CLIENTS = [
  {
    client_id: 'svc-basic',
    ...hashedSecret('basic-secret'),
    scopes: ['read', 'write'],
    resources: ['https://api.example.com', 'https://billing.example.com', 'urn:example:rs'],
  },
  {
    client_id: 'svc-post',
    ...hashedSecret('post-secret'),
    token_endpoint_auth_method: 'client_secret_post',
    scopes: ['read'],
    resources: ['https://api.example.com'],
  },
  { client_id: 'svc-nogrant', ...hashedSecret('nogrant-secret'), grant_types: ['authorization_code'] },
];

export function testConfig(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): AppConfig {
  return loadConfig({
    env: { REDIS__KEY_PREFIX: TEST_REDIS_KEY_PREFIX, ...env },
    overrides: {
      log_level: 'silent',
      database: { url: 'memory://' },
      security: { jwt_secret: SECRET },
      clients: CLIENTS,
      ...overrides,
    },
  });
}

/** The server for `overrides` of the configuration; `options` are the HTTP app's (timeouts, say). */
export async function testApp(overrides: Record<string, unknown> = {}, options: HttpAppOptions = {}) {
  const ctx = await openGatehouse(testConfig(overrides));
  const app = await buildApp(ctx, options);
  return {
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

/** What testApp returns: the services, the HTTP app and a close() for both. */
export type TestApp = Awaited<ReturnType<typeof testApp>>;

export type { Gatehouse };

/** A token request made of these parameters, as the token endpoint hands it to a grant. */
export function tokenRequest(params: Record<string, string> = {}): TokenRequest {
  return {
    param: (name) => params[name],
    params: (name) => (params[name] === undefined ? [] : [params[name]]),
  };
}

/**
 * An authorization request of `client` as the authorization endpoint hands it to `issueCode` once the user has
 * approved it: no state, nonce, prompt or hint unless `fields` give them.
 */
export function authRequest(
  client: Client,
  fields: Pick<AuthRequest, 'redirectUri' | 'scopes' | 'codeChallenge'> & Partial<AuthRequest>,
): AuthRequest {
  return {
    client,
    state: undefined,
    nonce: undefined,
    prompt: [],
    maxAge: undefined,
    loginHint: undefined,
    hintedUserId: undefined,
    ...fields,
  };
}

/** A client credentials token for `client`, issued by the grant itself (no HTTP). */
export async function clientCredentialsToken(gatehouse: Gatehouse, client: Client): Promise<string> {
  const res = await gatehouse.grants.find('client_credentials').exchange(client, tokenRequest());
  return res['access_token'] as string;
}
