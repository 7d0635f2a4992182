export { type BuildAppOptions, buildApp } from './web/router.js';
