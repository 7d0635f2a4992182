export * from './oauth-error.js';
export * from './service-unavailable.js';
export * from './config-error.js';
