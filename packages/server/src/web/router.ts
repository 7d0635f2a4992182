import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes } from './handlers/health.js';

export interface BuildAppOptions {
  logger?: boolean;
}

/** Assembles the Fastify application with every route. */
export async function buildApp(options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });
  await app.register(healthRoutes);
  return app;
}
