import type { FastifyInstance } from 'fastify';

/** `GET /api/healthz`: liveness and dependency checks. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/healthz', async () => ({ status: 'ok', checks: {} }));
}
