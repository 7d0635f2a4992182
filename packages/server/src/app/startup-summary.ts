import type { Gatehouse } from './gatehouse.js';
import type { ServerAddresses } from './server.js';

/** The database in words, never the URL's credentials: `PostgreSQL db.internal:5432/gatehouse`. */
export function describeDatabase(url: string | undefined, dataDir: string): string {
  if (url === undefined) return `embedded PGlite (${dataDir}/pglite)`;
  if (url === 'memory://') return 'embedded PGlite (in memory)';
  if (url.startsWith('pglite:')) return `embedded PGlite (${url.slice('pglite:'.length)})`;
  try {
    const u = new URL(url);
    return `PostgreSQL ${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** The store in words: `in-process`, `Redis cache.internal:6379`, `Redis Sentinel primary "main" (3 sentinels)`. */
export function describeStore(redis: Omit<Gatehouse['config']['redis'], 'key_prefix'>): string {
  if (redis.sentinels !== undefined) {
    return `Redis Sentinel primary "${redis.sentinel_name}" (${redis.sentinels.length} sentinels)`;
  }
  if (redis.url === undefined) return 'in-process';
  try {
    return `Redis ${new URL(redis.url).host}`;
  } catch {
    return 'Redis';
  }
}

function describeMetrics(addresses: ServerAddresses): string {
  switch (addresses.metrics.where) {
    case 'own':
      return addresses.metricsUrl ?? 'own listener';
    case 'main':
      return `${addresses.url}/metrics`;
    case 'none':
      return 'not served (set metrics.port)';
  }
}

/**
 * One info line saying what this node runs with (issuer, database, store, clients, discovery URL, metrics),
 * and, on the embedded default with no client yet, how to register the first site.
 */
export async function logStartupSummary(
  gatehouse: Pick<Gatehouse, 'config' | 'database' | 'clients' | 'logger'>,
  addresses: ServerAddresses,
): Promise<void> {
  const { config, logger } = gatehouse;
  const clients = (await gatehouse.clients.list()).length;
  const summary = {
    issuer: config.oauth.issuer,
    database: describeDatabase(config.database.url, config.data_dir),
    store: describeStore(config.redis),
    clients,
    discovery: `${config.oauth.issuer}/.well-known/openid-configuration`,
    metrics: describeMetrics(addresses),
  };
  logger.info(
    summary,
    `gatehouse started: issuer ${summary.issuer}, database ${summary.database}, store ${summary.store}, ` +
      `${clients} client${clients === 1 ? '' : 's'}; discovery at ${summary.discovery}; metrics ${summary.metrics}`,
  );
  if (gatehouse.database.kind === 'pglite' && clients === 0) {
    logger.info(
      'no client registered yet: stop the server, then register the first site with ' +
        '`gatehouse clients create <client_id> --grant authorization_code --grant refresh_token ' +
        '--redirect-uri https://<site>/callback` (the embedded database belongs to one process) and start it again',
    );
  }
}
