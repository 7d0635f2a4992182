import type { FastifyInstance } from 'fastify';

/** What the health check pings. */
export interface Pingable {
  ping(): Promise<void>;
}

/** Whether this node is stopping: true from the stop signal on, before it stops accepting connections. */
export interface Draining {
  readonly draining: boolean;
}

/** Longest one check may take: a dependency that hangs counts as down. */
const CHECK_TIMEOUT_MS = 2000;

async function check(fn: () => Promise<void>): Promise<'ok' | 'error'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS).unref();
      }),
    ]);
    return 'ok';
  } catch {
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /api/healthz`: database and store checks, 503 when one fails. `GET /api/livez`: the process answers
 * (200, no dependency checked: restarting a process does not bring a database back). `GET /api/readyz`: 503
 * while the database or the store cannot be reached, or while the node drains after a stop signal, so that a
 * load balancer sends its traffic elsewhere.
 */
export function healthRoutes(deps: {
  database: Pingable;
  store: Pingable;
  readiness?: Draining | undefined;
}) {
  const checks = async () => {
    const [database, store] = await Promise.all([
      check(() => deps.database.ping()),
      check(() => deps.store.ping()),
    ]);
    return { ok: database === 'ok' && store === 'ok', checks: { database, store } };
  };
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/healthz', async (_req, reply) => {
      const { ok, checks: results } = await checks();
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', checks: results });
    });
    app.get('/api/livez', async (_req, reply) =>
      reply.header('cache-control', 'no-store').send({ status: 'ok' }),
    );
    app.get('/api/readyz', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      if (deps.readiness?.draining) return reply.code(503).send({ status: 'draining' });
      const { ok, checks: results } = await checks();
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: results });
    });
  };
}
