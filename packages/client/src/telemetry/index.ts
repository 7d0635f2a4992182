export { withHttpTelemetry } from './http-telemetry.js';
export { INSTRUMENTATION_NAME, safeUrl, type TelemetryOptions } from './otel.js';
export { tokenMetricsHooks } from './token-telemetry.js';
