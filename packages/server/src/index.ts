export { type Gatehouse, type OpenGatehouseOptions, openGatehouse } from './app/gatehouse.js';
export { buildApp, createServer, type GatehouseServer, type ServerOptions } from './app/server.js';
export { type AppConfig, ConfigError, type LoadConfigOptions, loadConfig } from './config/index.js';
export { OAuthError, type OAuthErrorCode } from './error/index.js';
export type { HttpAppOptions } from './web/app.js';
