import type { FastifyInstance } from 'fastify';
/** What the health check pings. */
export interface Pingable {
  ping(): Promise<void>;
}

async function check(fn: () => Promise<void>): Promise<'ok' | 'error'> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
    ]);
    return 'ok';
  } catch {
    return 'error';
  }
}

/** `GET /api/healthz`: database and store checks; 503 when one fails. */
export function healthRoutes(deps: { database: Pingable; store: Pingable }) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/healthz', async (_req, reply) => {
      const [database, store] = await Promise.all([
        check(() => deps.database.ping()),
        check(() => deps.store.ping()),
      ]);
      const ok = database === 'ok' && store === 'ok';
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', checks: { database, store } });
    });
  };
}
