import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { type Gatehouse, openGatehouse } from '../src/app/gatehouse.js';
import { buildApp } from '../src/app/server.js';
import { type AppConfig, loadConfig } from '../src/config/index.js';
import type { Client } from '../src/domain/index.js';
import type { TokenRequest } from '../src/service/grants/grant.js';

export const SECRET = 'test-jwt-secret-that-is-long-enough-0123456789';

export const CLIENTS = [
  {
    client_id: 'svc-basic',
    client_secret: 'basic-secret',
    scopes: ['read', 'write'],
    resources: ['https://api.example.com', 'https://billing.example.com', 'urn:example:rs'],
  },
  {
    client_id: 'svc-post',
    client_secret: 'post-secret',
    token_endpoint_auth_method: 'client_secret_post',
    scopes: ['read'],
    resources: ['https://api.example.com'],
  },
  { client_id: 'svc-nogrant', client_secret: 'nogrant-secret', grant_types: ['authorization_code'] },
];

export function testConfig(overrides: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): AppConfig {
  return loadConfig({
    env,
    overrides: {
      log_level: 'silent',
      database: { url: 'memory://' },
      security: { jwt_secret: SECRET },
      clients: CLIENTS,
      ...overrides,
    },
  });
}

export async function testApp(overrides: Record<string, unknown> = {}) {
  const ctx = await openGatehouse(testConfig(overrides));
  const app = await buildApp(ctx);
  return {
    ctx,
    app,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

export const randomSchema = () => `t_${randomBytes(6).toString('hex')}`;

export type { Gatehouse };

/** A token request made of these parameters, as the token endpoint hands it to a grant. */
export function tokenRequest(params: Record<string, string> = {}): TokenRequest {
  return {
    param: (name) => params[name],
    params: (name) => (params[name] === undefined ? [] : [params[name]]),
  };
}

/** A client credentials token for `client`, issued by the grant itself (no HTTP). */
export async function clientCredentialsToken(gatehouse: Gatehouse, client: Client): Promise<string> {
  const res = await gatehouse.grants.find('client_credentials').exchange(client, tokenRequest());
  return res['access_token'] as string;
}
