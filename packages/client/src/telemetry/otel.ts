import { type Meter, metrics, type Tracer, trace } from '@opentelemetry/api';

/** Instrumentation scope name used for the default tracer and meter. */
export const INSTRUMENTATION_NAME = '@gatehouse/client';

/** Where telemetry goes; defaults to the globally registered OpenTelemetry providers (no-op when none). */
export interface TelemetryOptions {
  tracer?: Tracer;
  meter?: Meter;
}

export function resolveTracer(options: TelemetryOptions): Tracer {
  return options.tracer ?? trace.getTracer(INSTRUMENTATION_NAME);
}

export function resolveMeter(options: TelemetryOptions): Meter {
  return options.meter ?? metrics.getMeter(INSTRUMENTATION_NAME);
}

/** A URL safe to record: origin and path only, never a query string or fragment (codes, state, tokens). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'invalid-url';
  }
}
