import { ConfigError } from '../error/config-error.js';
import type { ConfigTree } from './schema.js';

/**
 * The environment variables for each key (dotted path). A key's namespaced spelling (`SECTION__KEY`, the
 * path with `.` written `__`) comes first and wins over the conventional one (`DATABASE_URL`, `JWT_SECRET`,
 * …). `server.host` and `server.port` are also set together by `SERVER_ADDR` (below).
 */
const ENV_NAMES: Record<string, string[]> = {
  'server.host': ['SERVER__HOST'],
  'server.port': ['SERVER__PORT'],
  'server.trust_proxy': ['SERVER__TRUST_PROXY', 'TRUST_PROXY'],
  'server.shutdown_deadline_secs': ['SERVER__SHUTDOWN_DEADLINE_SECS'],
  'database.url': ['DATABASE__URL', 'DATABASE_URL'],
  'redis.url': ['REDIS__URL', 'REDIS_URL'],
  'redis.sentinels': ['REDIS__SENTINELS'],
  'redis.sentinel_name': ['REDIS__SENTINEL_NAME'],
  'redis.key_prefix': ['REDIS__KEY_PREFIX'],
  'metrics.host': ['METRICS__HOST'],
  'metrics.port': ['METRICS__PORT'],
  'metrics.bearer_token': ['METRICS__BEARER_TOKEN'],
  'metrics.bearer_token_file': ['METRICS__BEARER_TOKEN_FILE'],
  'security.jwt_secret': ['SECURITY__JWT_SECRET', 'JWT_SECRET'],
  'oauth.issuer': ['OAUTH__ISSUER'],
  'oauth.access_token_ttl_secs': ['OAUTH__ACCESS_TOKEN_TTL_SECS'],
  'oauth.refresh_token_ttl_secs': ['OAUTH__REFRESH_TOKEN_TTL_SECS'],
  'oauth.refresh_token_reuse_grace_secs': ['OAUTH__REFRESH_TOKEN_REUSE_GRACE_SECS'],
  'oauth.authorization_code_ttl_secs': ['OAUTH__AUTHORIZATION_CODE_TTL_SECS'],
  'oauth.key_publish_delay_secs': ['OAUTH__KEY_PUBLISH_DELAY_SECS'],
  'rate_limit.enabled': ['RATE_LIMIT__ENABLED', 'RATE_LIMIT_ENABLED'],
  'rate_limit.per_ip_per_minute': ['RATE_LIMIT__PER_IP_PER_MINUTE', 'RATE_LIMIT_PER_IP_PER_MINUTE'],
  'rate_limit.per_client_per_minute': [
    'RATE_LIMIT__PER_CLIENT_PER_MINUTE',
    'RATE_LIMIT_PER_CLIENT_PER_MINUTE',
  ],
  data_dir: ['DATA_DIR'],
  log_level: ['LOG_LEVEL'],
};

/** Sets `path` in `tree`, replacing whatever is on the way that is not a mapping. */
function setPath(tree: ConfigTree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as ConfigTree;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * Sets the keys the environment gives into `tree`, as strings (the schema converts them). An empty variable
 * counts as unset.
 */
export function applyEnv(tree: ConfigTree, env: NodeJS.ProcessEnv): void {
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  };
  const addr = pick('SERVER_ADDR');
  if (addr !== undefined) {
    // host:port, [ipv6]:port; the port is digits only (an empty one is not port 0).
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(addr);
    if (m === null) {
      throw new ConfigError(`SERVER_ADDR: expected host:port or [ipv6]:port, got "${addr}"`);
    }
    setPath(tree, ['server', 'host'], m[1] ?? m[2]);
    setPath(tree, ['server', 'port'], m[3]);
  }
  // After SERVER_ADDR: SERVER__HOST and SERVER__PORT win over it.
  for (const [path, names] of Object.entries(ENV_NAMES)) {
    const v = pick(...names);
    if (v !== undefined) setPath(tree, path.split('.'), v);
  }
}
