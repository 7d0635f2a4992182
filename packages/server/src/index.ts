export { type AppConfig, ConfigError, type LoadConfigOptions, loadConfig } from './config/index.js';
export { OAuthError } from './error/index.js';
export { type AppContext, type CreateContextOptions, createContext } from './state/index.js';
export { type BuildAppOptions, buildApp } from './web/router.js';
