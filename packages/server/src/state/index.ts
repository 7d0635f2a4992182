import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import { type Database, openDatabase } from '../infra/db.js';
import { createLogger } from '../infra/logger.js';
import { createMetrics, type Metrics } from '../infra/metrics.js';
import { SigningWorker } from '../infra/signing-worker.js';
import { openStore, RedisStore, type Store } from '../infra/store.js';
import { ClientRepo } from '../repo/clients.js';
import { ConsentRepo } from '../repo/consents.js';
import { KeyRepo } from '../repo/keys.js';
import { RefreshTokenRepo } from '../repo/refresh-tokens.js';
import { UserRepo } from '../repo/users.js';
import { ClientService } from '../service/clients.js';
import { ConsentService } from '../service/consent.js';
import { restoreGrantRevocations } from '../service/grants/refresh-token.js';
import { CLOCK_SKEW_SECS, KEY_RELOAD_INTERVAL_SECS, KeyService } from '../service/keys.js';
import { TokenService } from '../service/tokens.js';
import { UserService } from '../service/users.js';

export interface AppContext {
  config: AppConfig;
  logger: Logger;
  database: Database;
  store: Store;
  metrics: Metrics;
  clients: ClientService;
  users: UserService;
  consents: ConsentService;
  keys: KeyService;
  tokens: TokenService;
  /** Refresh tokens, in the database (durable: they outlive restarts and store flushes). */
  refreshTokens: RefreshTokenRepo;
  close(): Promise<void>;
}

export interface CreateContextOptions {
  logger?: Logger;
  /** Upsert config-file clients/users and create the first signing key (default true). */
  seed?: boolean;
  defaultMetrics?: boolean;
}

/** Startup order: database (+ migrations), store, services, seeds, signing key. */
export async function createContext(
  config: AppConfig,
  options: CreateContextOptions = {},
): Promise<AppContext> {
  const logger = options.logger ?? createLogger(config.log_level);
  const database = await openDatabase(config.database.url, config.data_dir);
  try {
    await database.migrate();
  } catch (err) {
    await database.close();
    throw err;
  }
  const store = openStore(config.redis.url);
  if (store instanceof RedisStore) await warnIfEvicting(store, logger);
  const keys = new KeyService(new KeyRepo(database.db), config.security.jwt_secret, {
    publishDelaySecs: config.oauth.key_publish_delay_secs,
    // Access and ID tokens share the access-token lifetime. A node may go on signing with a retired key until
    // its next reload, and retired_at is one node's clock: reload interval + clock skew on top.
    retiredKeySecs: config.oauth.access_token_ttl_secs + KEY_RELOAD_INTERVAL_SECS + CLOCK_SKEW_SECS,
    onReloadError: (err) => logger.warn({ err }, 'signing key reload failed; the keys loaded before stay'),
  });
  const clients = new ClientService(new ClientRepo(database.db), undefined, {
    issuer: config.oauth.issuer,
    store,
  });
  const users = new UserService(new UserRepo(database.db));
  const signer = new SigningWorker();
  const tokens = new TokenService(keys, store, signer, {
    issuer: config.oauth.issuer,
    accessTokenTtlSecs: config.oauth.access_token_ttl_secs,
  });
  const ctx: AppContext = {
    config,
    logger,
    database,
    store,
    metrics: createMetrics(options.defaultMetrics ?? false),
    clients,
    users,
    consents: new ConsentService(new ConsentRepo(database.db), store),
    keys,
    tokens,
    refreshTokens: new RefreshTokenRepo(database.db),
    async close() {
      await signer.close();
      await store.close();
      await database.close();
    },
  };
  if (options.seed ?? true) {
    try {
      for (const c of config.clients) await clients.upsertFromSeed(c);
      for (const u of config.users) await users.upsert(u);
      await keys.init();
      if (store.kind === 'memory') await restoreGrantRevocations(ctx);
    } catch (err) {
      await ctx.close();
      throw err;
    }
  }
  return ctx;
}

/** Startup check: revocation and single-use markers must not be evicted (see RedisStore.evictionPolicy). */
async function warnIfEvicting(store: RedisStore, logger: Logger): Promise<void> {
  const policy = await store.evictionPolicy();
  if (policy === undefined || policy === 'noeviction') return;
  logger.warn(
    { maxmemoryPolicy: policy },
    `Redis maxmemory-policy is "${policy}": under memory pressure Redis may evict revocation and single-use markers (a revoked token would be accepted again until it expires); set maxmemory-policy noeviction`,
  );
}
