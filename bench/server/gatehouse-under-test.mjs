// Starts Gatehouse the way every server benchmark measures it: built from the TypeScript sources
// (run with `node --import tsx`), logging off, rate limiting ON with limits no benchmark reaches (its
// per-IP and per-client checks still run on every request; oidc-provider has none).

import { openGatehouse } from '../../packages/server/src/app/gatehouse.ts';
import { buildApp } from '../../packages/server/src/app/server.ts';
import { loadConfig } from '../../packages/server/src/config/index.ts';

/**
 * @param {{ port?: number, issuer?: string, databaseUrl?: string, redisUrl?: string,
 *           clients: object[], users?: object[] }} options
 * @returns {Promise<{ base: string, close: () => Promise<void> }>}
 */
export async function startGatehouseUnderTest({
  port = 0,
  issuer,
  databaseUrl = 'memory://',
  redisUrl,
  clients,
  users = [],
}) {
  const config = loadConfig({
    env: {},
    overrides: {
      log_level: 'silent',
      server: { host: '127.0.0.1', port },
      ...(issuer ? { oauth: { issuer } } : {}),
      database: { url: databaseUrl },
      redis: { url: redisUrl },
      security: { jwt_secret: 'bench-jwt-secret-that-is-long-enough-0123456789' },
      rate_limit: { enabled: true, per_ip_per_minute: 1_000_000_000, per_client_per_minute: 1_000_000_000 },
      clients,
      users,
    },
  });
  const ctx = await openGatehouse(config);
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port });
  return {
    base: `http://127.0.0.1:${app.server.address().port}`,
    close: async () => {
      await app.close();
      await ctx.close();
    },
  };
}
