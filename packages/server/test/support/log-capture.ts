import { Writable } from 'node:stream';
import { createLogger } from '../../src/infra/logger.js';

/** The server's own logger (its error serializer included) writing to memory, for tests that read logs back. */
export function capturedLogger(level = 'info') {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(level, sink), text: () => chunks.join('') };
}
