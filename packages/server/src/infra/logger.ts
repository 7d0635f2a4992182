import { type DestinationStream, type Logger, pino } from 'pino';
import { traceLogFields } from './tracing.js';

/**
 * pino's error serializer without `command`: ioredis attaches the failed command with its arguments to every
 * Redis error reply — keys that name sessions and user codes, values that hold stored records — and a
 * READONLY after a failover or an OOM would otherwise write them into the error log.
 */
function serializeError(err: Error): Record<string, unknown> {
  const out = { ...(pino.stdSerializers.err(err) as unknown as Record<string, unknown>) };
  delete out['command'];
  // Likewise drizzle's DrizzleQueryError carries the query's parameters (token hashes, usernames, password
  // hashes), as a property and in its message — hence in the stack too: the SQL stays, the values go.
  delete out['params'];
  for (const field of ['message', 'stack'] as const) {
    const text = out[field];
    if (typeof text === 'string') out[field] = text.replace(/^params: .*$/gm, 'params: [redacted]');
  }
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  // With tracing on, each line logged inside a span carries its trace_id and span_id.
  const mixin = traceLogFields();
  return pino(
    {
      level,
      base: { service: 'gatehouse' },
      serializers: { err: serializeError },
      ...(mixin ? { mixin } : {}),
    },
    destination,
  );
}
