/**
 * A machine client against a local Gatehouse server: client credentials through the token manager
 * (cached, renewed ahead of expiry), introspection and revocation.
 *
 * Run from the repository root (after `npm install`, which builds the packages):
 *   node --import tsx examples/client-credentials.ts
 * It starts its own server on a free port with an in-memory database, so it needs nothing else.
 */
import { createServer } from 'node:net';
import { createOAuth2ClientFromDiscovery } from '@gatehouse/client';
import { buildApp, createContext, loadConfig } from '@gatehouse/server';

/** A free port, so the issuer URL (derived from host and port) is known before the server starts. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    probe.on('error', reject);
  });
}
const port = await freePort();

// 1. An authorization server with one registered machine client (the config-file `clients:` shape).
const config = loadConfig({
  env: {},
  overrides: {
    log_level: 'warn',
    server: { host: '127.0.0.1', port },
    database: { url: 'memory://' },
    security: { jwt_secret: 'example-only-secret-change-me-0123456789' },
    clients: [
      {
        client_id: 'billing-service',
        client_secret: 'change-me',
        grant_types: ['client_credentials'],
        scopes: ['invoices.read', 'invoices.write'],
      },
    ],
  },
});
const context = await createContext(config);
const app = await buildApp(context);
await app.listen({ host: '127.0.0.1', port });
// The issuer is the URL the server is reached at; the client's discovery checks it exactly.
const issuer = config.oauth.issuer;
console.log(`authorization server: ${issuer}`);

try {
  // 2. The client discovers the endpoints and asks for tokens through its token manager.
  const client = await createOAuth2ClientFromDiscovery(
    issuer,
    { clientId: 'billing-service', clientSecret: 'change-me' },
    { scopes: ['invoices.read'] },
  );
  const first = await client.tokens().getAccessToken('billing');
  const again = await client.tokens().getAccessToken('billing');
  console.log(
    `access token obtained, scopes [${first.scopes.join(' ')}]; served from cache: ${again.token === first.token}`,
  );

  // 3. Introspection (RFC 7662) and revocation (RFC 7009).
  const before = await client.introspection().introspect({ token: first.token });
  await client.revocation().revoke({ token: first.token, tokenTypeHint: 'access_token' });
  const after = await client.introspection().introspect({ token: first.token });
  console.log(`introspection: active=${before.active} before revocation, active=${after.active} after`);
  if (!before.active || after.active) process.exitCode = 1;
} finally {
  await app.close();
  await context.close();
}
