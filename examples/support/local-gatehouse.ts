/**
 * Starts a Gatehouse authorization server for the examples: a free port on 127.0.0.1, an in-memory
 * database, and the clients and users given in the config-file shape (`clients:` / `users:`).
 */
import { createServer } from 'node:net';
import { buildApp, loadConfig, openGatehouse } from '@gatehouse/server';

export interface LocalGatehouse {
  /** The issuer URL, which is also where the server listens. */
  issuer: string;
  close(): Promise<void>;
}

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

export async function startLocalGatehouse(seed: {
  clients: Record<string, unknown>[];
  users?: Record<string, unknown>[];
}): Promise<LocalGatehouse> {
  const port = await freePort();
  const config = loadConfig({
    env: {},
    overrides: {
      log_level: 'warn',
      server: { host: '127.0.0.1', port },
      database: { url: 'memory://' },
      security: { jwt_secret: 'example-only-secret-change-me-0123456789' },
      clients: seed.clients,
      users: seed.users ?? [],
    },
  });
  const context = await openGatehouse(config);
  const app = await buildApp(context);
  await app.listen({ host: '127.0.0.1', port });
  return {
    issuer: config.oauth.issuer,
    async close() {
      await app.close();
      await context.close();
    },
  };
}
