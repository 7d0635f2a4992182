import { subscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

/**
 * OpenTelemetry tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set (the SDK reads the other standard OTEL_*
 * variables itself: protocol, headers, sampler, resource attributes). Off, nothing of OpenTelemetry is loaded.
 *
 * Started by cli/start-tracing.ts, the first import of cli.ts: the instrumentations patch `pg`, `ioredis` and
 * `http` when those are first required, and the modules imported after that one evaluate as soon as its top
 * level has run. Hence the SDK is loaded with `require` and started synchronously, not from an awaited
 * `import()`. An application embedding the server (index.ts) sets up its own OpenTelemetry, if any.
 *
 * What spans carry is chosen so that no credential leaves the process: HTTP server spans have the method,
 * the route pattern and the path but no query string (`id_token_hint`, `state` …) and no headers; SQL spans
 * have the parameterised statement without its parameters; Redis spans have the command and the key's
 * prefix only (a session key holds the session cookie's value, a user-code key the user code).
 */

const require = createRequire(import.meta.url);

type Api = typeof OtelApi;
interface Tracing {
  api: Api;
  shutdown(): Promise<void>;
}

/** How long a stop waits for the last spans to be exported (the collector may be down). */
const FLUSH_DEADLINE_MS = 5_000;

export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '').trim() !== '';
}

/** A Redis span's statement: the command and the key's prefix (`get session:…`), never a key or a value. */
export function redisStatement(command: string, args: unknown[]): string {
  const key = args[0];
  const prefix = typeof key === 'string' ? /^[a-z-]+:/.exec(key)?.[0] : undefined;
  return prefix === undefined ? command : `${command} ${prefix}…`;
}

let tracing: Tracing | undefined;

/** Starts the SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set, once; before `pg`, `ioredis` and `fastify` load. */
export function startTracingIfConfigured(env: NodeJS.ProcessEnv = process.env): void {
  if (tracing === undefined && tracingConfigured(env)) tracing = startTracing(env);
}

function startTracing(env: NodeJS.ProcessEnv): Tracing {
  const api = require('@opentelemetry/api') as Api;
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const namedByOperator =
    (env['OTEL_SERVICE_NAME'] ?? '') !== '' ||
    /(^|,)\s*service\.name=/.test(env['OTEL_RESOURCE_ATTRIBUTES'] ?? '');
  const sdk = new NodeSDK({
    ...(namedByOperator ? {} : { serviceName: 'gatehouse' }),
    // Traces only: metrics are Prometheus' /metrics, logs are JSON lines on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // An undefined attribute is dropped: the query string (which may hold an `id_token_hint`) is not kept.
      new HttpInstrumentation({ startIncomingSpanHook: () => ({ 'url.query': undefined }) }),
      // Database and Redis work outside a request (purge jobs, key reloads) is not traced.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: redisStatement }),
    ],
  });
  sdk.start();
  // The instrumentations hook `require`; an ES module `import` of a CommonJS package does not go through it
  // (`ioredis` would stay unpatched). Required here, the patched module is the one the imports then share.
  for (const instrumented of ['pg', 'ioredis']) require(instrumented);
  nameServerSpansByRoute(api);
  return { api, shutdown: () => sdk.shutdown() };
}

/**
 * Names each HTTP server span after its Fastify route (`POST /api/oauth/token`) and sets `http.route`, through
 * Fastify's initialization channel: every Fastify instance gets an onRequest hook, with no change to the app.
 */
function nameServerSpansByRoute(api: Api): void {
  subscribe('fastify.initialization', (message) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url;
      const span = api.trace.getActiveSpan();
      if (span !== undefined && route !== undefined) {
        span.setAttribute('http.route', route);
        span.updateName(`${request.method} ${route}`);
      }
      done();
    });
  });
}

/** The pino mixin adding the active span's `trace_id` and `span_id` to a log line; undefined when off. */
export function traceLogFields(): (() => Record<string, string>) | undefined {
  if (tracing === undefined) return undefined;
  const { trace } = tracing.api;
  return () => {
    const span = trace.getActiveSpan()?.spanContext();
    return span === undefined ? {} : { trace_id: span.traceId, span_id: span.spanId };
  };
}

/** Exports the spans still buffered and stops the SDK, within FLUSH_DEADLINE_MS; nothing when off. */
export async function stopTracing(): Promise<void> {
  if (tracing === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, FLUSH_DEADLINE_MS);
  });
  await Promise.race([tracing.shutdown().catch(() => {}), deadline]);
  clearTimeout(timer);
}
