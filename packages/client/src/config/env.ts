import { ConfigurationError } from '../errors/index.js';
import type { OAuth2ClientConfig } from './types.js';

/** Settings read from `OAUTH2_*` environment variables. */
export interface EnvSettings {
  config: Partial<OAuth2ClientConfig> & { clientId: string };
  /** OAUTH2_ISSUER: when set, endpoints are discovered. */
  issuer?: string;
  storageType?: string;
  storagePath?: string;
}

/** Reads the `OAUTH2_*` variables; throws ConfigurationError naming a missing or bad variable. */
export function readEnv(env: NodeJS.ProcessEnv = process.env): EnvSettings {
  const clientId = env['OAUTH2_CLIENT_ID'];
  if (!clientId) {
    throw new ConfigurationError('invalid configuration: OAUTH2_CLIENT_ID is not set', {
      code: 'invalid_configuration',
    });
  }
  const config: EnvSettings['config'] = { clientId };
  const set = <K extends keyof OAuth2ClientConfig>(key: K, value: OAuth2ClientConfig[K] | undefined) => {
    if (value !== undefined && value !== '') config[key] = value;
  };
  set('clientSecret', env['OAUTH2_CLIENT_SECRET']);
  set('authorizationEndpoint', env['OAUTH2_AUTHORIZATION_ENDPOINT']);
  set('tokenEndpoint', env['OAUTH2_TOKEN_ENDPOINT']);
  const scopes = env['OAUTH2_SCOPES'];
  if (scopes) set('scopes', scopes.split(/[\s,]+/).filter(Boolean));
  const timeout = env['OAUTH2_TIMEOUT_SECS'];
  if (timeout) {
    const value = Number(timeout);
    if (!Number.isFinite(value) || value <= 0) {
      throw new ConfigurationError('invalid configuration: OAUTH2_TIMEOUT_SECS must be a positive number', {
        code: 'invalid_configuration',
      });
    }
    config.timeoutSecs = value;
  }
  const result: EnvSettings = { config };
  if (env['OAUTH2_ISSUER']) result.issuer = env['OAUTH2_ISSUER'];
  if (env['OAUTH2_STORAGE_TYPE']) result.storageType = env['OAUTH2_STORAGE_TYPE'];
  if (env['OAUTH2_STORAGE_PATH']) result.storagePath = env['OAUTH2_STORAGE_PATH'];
  return result;
}
