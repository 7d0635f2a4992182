import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import { type Database, openDatabase } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { createMetrics, type Metrics } from '../infra/metrics.js';
import { openStore, RedisStore, type Store } from '../infra/store/index.js';
import { createServices, type Services } from './services.js';

/** An open Gatehouse: its configuration, infrastructure and services. Built by {@link openGatehouse}. */
export type Gatehouse = Omit<Services, 'close'> & {
  config: AppConfig;
  logger: Logger;
  database: Database;
  store: Store;
  metrics: Metrics;
  /** Stops the signing worker and closes the store and the database. */
  close(): Promise<void>;
};

export interface OpenGatehouseOptions {
  logger?: Logger;
  /**
   * Upsert config-file clients/users, create the first signing key and, with the in-process store, restore
   * grant revocations from the database (default true).
   */
  seed?: boolean;
  /** Also collect Node's default process metrics (`gatehouse serve`). */
  defaultMetrics?: boolean;
}

/**
 * Start-up order: database (+ migrations), store, services, then the seeds (config-file clients and users),
 * the signing key and, with the in-process store, the grant revocations it lost at the last stop.
 */
export async function openGatehouse(
  config: AppConfig,
  options: OpenGatehouseOptions = {},
): Promise<Gatehouse> {
  const logger = options.logger ?? createLogger(config.log_level);
  const database = await openDatabase(config.database.url, config.data_dir);
  try {
    await database.migrate();
  } catch (err) {
    await database.close();
    throw err;
  }
  const store = openStore(config.redis, config.redis.key_prefix);
  if (store instanceof RedisStore) await warnIfEvicting(store, logger);
  const metrics = createMetrics(options.defaultMetrics ?? false);
  const { close: closeServices, ...services } = createServices(config, database, store, logger, metrics);
  const gatehouse: Gatehouse = {
    ...services,
    config,
    logger,
    database,
    store,
    metrics,
    async close() {
      await closeServices();
      await store.close();
      await database.close();
    },
  };
  if (options.seed ?? true) {
    try {
      for (const c of config.clients) await services.clients.upsertFromSeed(c);
      for (const u of config.users) await services.users.upsert(u);
      await services.keys.init();
      if (store.kind === 'memory') await services.grantRevocation.restoreAfterRestart();
    } catch (err) {
      await gatehouse.close();
      throw err;
    }
  }
  return gatehouse;
}

/** Start-up check: revocation and single-use markers must not be evicted (see RedisStore.evictionPolicy). */
async function warnIfEvicting(store: RedisStore, logger: Logger): Promise<void> {
  const policy = await store.evictionPolicy();
  if (policy === undefined || policy === 'noeviction') return;
  logger.warn(
    { maxmemoryPolicy: policy },
    `Redis maxmemory-policy is "${policy}": under memory pressure Redis may evict revocation and single-use markers (a revoked token would be accepted again until it expires); set maxmemory-policy noeviction`,
  );
}
