/** The server's configuration: its schema, and loading it from defaults, a file and the environment. */
export { ConfigError } from '../error/config-error.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export { isLoopbackHost } from './network.js';
export {
  type AppConfig,
  type ClientSeed,
  clientSchema,
  configSchema,
  formatIssues,
  MIN_CLIENT_SECRET_LENGTH,
  RATE_LIMIT_DEFAULTS,
  type RawConfig,
  type UserSeed,
  userSchema,
} from './schema.js';
