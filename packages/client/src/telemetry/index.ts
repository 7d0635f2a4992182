export { withHttpTelemetry } from './http-telemetry.js';
export {
  type LogFn,
  type Logger,
  noopLogger,
  REDACTED,
  redact,
  redactString,
  safeLogger,
} from './logging.js';
export { INSTRUMENTATION_NAME, safeUrl, type TelemetryOptions } from './otel.js';
export { tokenMetricsHooks } from './token-telemetry.js';
