import { Writable } from 'node:stream';
import { type Level, pino } from 'pino';
import type { Logger } from '../../src/telemetry/logging.js';

/** A real pino logger at `level` whose output lines (JSON) are collected in `lines`. */
export function capturedPino(level: Level = 'debug') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** One call of a {@link recordingLogger}. */
export interface LogEntry {
  level: string;
  obj: unknown;
  msg?: string | undefined;
}

/** A {@link Logger} that records every call in `logs`, untouched by any serialiser. */
export function recordingLogger(): { logger: Logger; logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  const log = (level: string) => (obj: unknown, msg?: string) => void logs.push({ level, obj, msg });
  return { logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }, logs };
}
