import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP/1.1 answer written straight to a socket, for what Node deals with before any route or hook runs:
 * an RFC 6749 §5.2 shaped JSON error, with the headers every response carries (`nosniff`, no caching), and
 * `Connection: close` (the caller closes it).
 */
export function rawAnswer(status: number, description: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ error: 'invalid_request', error_description: description });
  const fields = {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  };
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join('\r\n')}\r\n\r\n${body}`;
}

/**
 * Fastify's `clientErrorHandler`: a request Node could not parse (400), headers over Node's limit (431), or a
 * request that took longer than the request timeout to arrive (408). Answered, then the connection is
 * destroyed, as Fastify's own handler does: the request cannot be read any further.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, description] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request did not arrive in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : [400, 'the request could not be parsed as HTTP'];
  if (socket.writable) socket.write(rawAnswer(status, description));
  socket.destroy();
}
