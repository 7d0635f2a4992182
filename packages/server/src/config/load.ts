import { isIP } from 'node:net';
import { ConfigError } from '../error/config-error.js';
import { applyEnv } from './environment.js';
import { readConfigFile } from './file.js';
import { isLoopbackHost } from './network.js';
import { type AppConfig, type ConfigTree, configSchema, formatIssues, type RawConfig } from './schema.js';
import { jwtSecretPath, loadOrCreateSecret } from './secret-file.js';

export interface LoadConfigOptions {
  /** Where `APP_CONFIG`, `NODE_ENV` and the keys' variables are read; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Extra values merged after the file and before env (tests). */
  overrides?: ConfigTree;
  /** Told about a setting that works but should be changed for production (a generated JWT secret). */
  warn?: (message: string) => void;
}

/** `b` merged into `a`: mappings key by key, anything else (lists included) replaced. */
function deepMerge(a: ConfigTree, b: ConfigTree): ConfigTree {
  const out: ConfigTree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
    ) {
      out[k] = deepMerge(prev as ConfigTree, v as ConfigTree);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * `oauth.issuer`, or `http://<host>:<port>` without it, with trailing slashes dropped (endpoint paths are
 * appended to it). With NODE_ENV=production it must be https unless the host is loopback (RFC 8414 §2).
 */
function resolveIssuer(raw: RawConfig, env: NodeJS.ProcessEnv): string {
  const host = isIP(raw.server.host) === 6 ? `[${raw.server.host}]` : raw.server.host;
  const issuer = (raw.oauth.issuer ?? `http://${host}:${raw.server.port}`).replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  if (
    env['NODE_ENV'] === 'production' &&
    issuerUrl.protocol !== 'https:' &&
    !isLoopbackHost(issuerUrl.hostname)
  ) {
    throw new ConfigError(
      raw.oauth.issuer === undefined
        ? `oauth.issuer: required when NODE_ENV=production (the default ${issuer} is not https; set OAUTH__ISSUER to the public https:// URL)`
        : 'oauth.issuer: must be an https:// URL when NODE_ENV=production (http only for localhost)',
    );
  }
  return issuer;
}

/**
 * `security.jwt_secret`, or outside production the one kept in `<data_dir>/jwt-secret` (generated on first
 * use), with a warning: every node of a deployment needs the same secret.
 */
function resolveJwtSecret(raw: RawConfig, options: LoadConfigOptions, env: NodeJS.ProcessEnv) {
  if (raw.security.jwt_secret !== undefined) {
    return { jwt_secret: raw.security.jwt_secret, jwt_secret_generated: false };
  }
  if (env['NODE_ENV'] === 'production') {
    throw new ConfigError(
      'security.jwt_secret: required when NODE_ENV=production (set SECURITY__JWT_SECRET or JWT_SECRET)',
    );
  }
  const jwtSecret = loadOrCreateSecret(raw.data_dir);
  options.warn?.(
    `security.jwt_secret is not set: using a generated secret stored in ${jwtSecretPath(raw.data_dir)} (set SECURITY__JWT_SECRET in production)`,
  );
  return { jwt_secret: jwtSecret, jwt_secret_generated: true };
}

/** Loads defaults < APP_CONFIG file < overrides < env, validates, and resolves the issuer and JWT secret. */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  let tree: ConfigTree = {};
  const file = env['APP_CONFIG'];
  if (file) tree = readConfigFile(file);
  if (options.overrides) tree = deepMerge(tree, options.overrides);
  applyEnv(tree, env);
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    throw new ConfigError(`invalid configuration:\n  ${formatIssues(result.error).join('\n  ')}`);
  }
  const raw = result.data;
  const issuer = resolveIssuer(raw, env);
  return { ...raw, oauth: { ...raw.oauth, issuer }, security: resolveJwtSecret(raw, options, env) };
}
