import type { FastifyInstance } from 'fastify';
import { buildHttpApp, type HttpAppOptions } from '../web/app.js';
import { type BackgroundJobs, startBackgroundJobs } from './background-jobs.js';
import type { Gatehouse } from './gatehouse.js';

/**
 * The HTTP server of an open Gatehouse: every route, and the background jobs (key reload, refresh-token purge),
 * which start when the server listens and stop when it closes. Embedders get the same server `gatehouse serve`
 * runs; `inject()` alone starts no job.
 */
export async function buildApp(gatehouse: Gatehouse, options: HttpAppOptions = {}): Promise<FastifyInstance> {
  const app = await buildHttpApp(gatehouse, options);
  let jobs: BackgroundJobs | undefined;
  app.addHook('onListen', async () => {
    jobs ??= startBackgroundJobs(gatehouse.keys, gatehouse.refreshTokens, app.log);
  });
  app.addHook('onClose', async () => {
    jobs?.stop();
  });
  return app;
}
