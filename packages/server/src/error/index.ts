export * from './config-error.js';
export * from './oauth-error.js';
export * from './service-unavailable.js';
