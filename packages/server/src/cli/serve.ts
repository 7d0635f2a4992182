import type { FastifyInstance } from 'fastify';
import { openGatehouse } from '../app/gatehouse.js';
import { buildApp } from '../app/server.js';
import { stopTracing } from '../infra/tracing.js';
import { loadCliConfig } from './gatehouse.js';

/**
 * How long a stop signal waits for requests in flight. An orchestrator sends SIGKILL after its own grace
 * period (Kubernetes: 30 s), which would skip `gatehouse.close()`; a client trickling a body (see
 * REQUEST_TIMEOUT_MS in web/app.ts) must not hold the process past this either.
 */
const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Stops accepting connections and lets requests in flight finish; at the deadline, closes the connections
 * still open (their requests fail) so that the close completes. True when nothing had to be cut off.
 */
async function closeWithin(app: FastifyInstance, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = app.close().then(() => true);
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const drained = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  if (drained) return true;
  app.server.closeAllConnections();
  await closed;
  return false;
}

/** `gatehouse serve`: the server on the configured address until SIGINT/SIGTERM, then a bounded drain. */
export async function serve(): Promise<void> {
  const { cfg, logger } = loadCliConfig('stdout');
  const gatehouse = await openGatehouse(cfg, { defaultMetrics: true, logger });
  const app = await buildApp(gatehouse, { logger: true });
  const shutdown = async () => {
    const drained = await closeWithin(app, SHUTDOWN_DEADLINE_MS);
    if (!drained)
      app.log.warn(
        `requests still open ${SHUTDOWN_DEADLINE_MS} ms after the stop signal: connections closed`,
      );
    await gatehouse.close();
    await stopTracing();
    process.exit(drained ? 0 : 1);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ host: cfg.server.host, port: cfg.server.port });
}
