/**
 * A machine client against a local Gatehouse server: client credentials through the token manager
 * (cached, renewed ahead of expiry), introspection and revocation.
 *
 * Run from the repository root (after `npm install`, which builds the packages):
 *   node --import tsx examples/client-credentials.ts
 * It starts its own server on a free port with an in-memory database, so it needs nothing else.
 */
import { createOAuth2ClientFromDiscovery } from '@gatehouse/client';
import { startLocalGatehouse } from './support/local-gatehouse.js';

// 1. An authorization server with one registered machine client (the config-file `clients:` shape).
const server = await startLocalGatehouse({
  clients: [
    {
      client_id: 'billing-service',
      client_secret: 'change-me-to-a-long-random-secret',
      grant_types: ['client_credentials'],
      scopes: ['invoices.read', 'invoices.write'],
    },
  ],
});
const { issuer } = server;
console.log(`authorization server: ${issuer}`);

try {
  // 2. The client discovers the endpoints and asks for tokens through its token manager.
  const client = await createOAuth2ClientFromDiscovery(
    issuer,
    { clientId: 'billing-service', clientSecret: 'change-me-to-a-long-random-secret' },
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
  await server.close();
}
