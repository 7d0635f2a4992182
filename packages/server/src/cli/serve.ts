import { openGatehouse } from '../app/gatehouse.js';
import { createServer } from '../app/server.js';
import { logStartupSummary } from '../app/startup-summary.js';
import { stopTracing } from '../infra/tracing.js';
import { loadCliConfig } from './gatehouse.js';

/**
 * `gatehouse serve`: the server on the configured address until SIGINT/SIGTERM, then the stop sequence
 * (app/server.ts: not ready, stop accepting, a bounded drain, metrics listener) and the signing worker, store
 * and database closed. Exits 1 when requests had to be cut off at the deadline.
 */
export async function serve(): Promise<void> {
  const { cfg, logger } = loadCliConfig('stdout');
  const gatehouse = await openGatehouse(cfg, { defaultMetrics: true, logger });
  const server = await createServer(gatehouse, { logger: true });
  const shutdown = async (signal: NodeJS.Signals) => {
    logger.info(`shutdown: ${signal} received`);
    const drained = await server.close();
    await gatehouse.close();
    logger.info('shutdown: signing worker, store and database closed');
    await stopTracing();
    process.exit(drained ? 0 : 1);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await logStartupSummary(gatehouse, await server.listen());
}
