import type { FastifyError, FastifyInstance } from 'fastify';
import { causeChain, OAuthError, ServiceUnavailableError, safeErrorDescription } from '../../error/index.js';
import { isDatabaseUnavailable } from '../../infra/db.js';
import type { Metrics } from '../../infra/metrics.js';

/** Renders OAuthError as RFC 6749 §5.2 JSON; client-side Fastify errors (bad body, etc.) as invalid_request. */
export function installErrorHandler(app: FastifyInstance, metrics: Metrics): void {
  app.setErrorHandler((thrown: FastifyError | OAuthError, req, reply) => {
    // A database that cannot be reached is the same case as a store that cannot: 503, which clients retry.
    // Its log message is the driver's innermost error: drizzle's wrapper lists the query's parameters.
    const err = isDatabaseUnavailable(thrown)
      ? new ServiceUnavailableError(`database unavailable: ${causeChain(thrown).at(-1)?.message}`)
      : thrown;
    if (err instanceof OAuthError) {
      metrics.oauthErrors.inc({ error: err.code, status: String(err.status) });
      // The server's own trouble (store unreachable or full): the operator needs to hear of it.
      if (err.status >= 500) req.log.error({ err }, 'request refused: server temporarily unavailable');
      return reply
        .code(err.status)
        .headers(err.headers)
        .header('cache-control', 'no-store')
        .send(err.toJSON());
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 415 || status === 413 ? status : 400;
      metrics.oauthErrors.inc({ error: 'invalid_request', status: String(code) });
      // A body over the limit is refused before it has all arrived, and Fastify asks for the connection to
      // be closed. Closed at once, with the client still sending, the kernel resets it (unread data), and the
      // reset can destroy the 413 before the client has read it. Without `Connection: close`, Node reads the
      // rest of the body and throws it away (RFC 9112 §9.6), within the request timeout (web/app.ts).
      if (code === 413) reply.removeHeader('connection');
      return reply
        .code(code)
        .header('cache-control', 'no-store')
        .send({ error: 'invalid_request', error_description: safeErrorDescription(err.message) });
    }
    req.log.error({ err }, 'unhandled error');
    metrics.oauthErrors.inc({ error: 'server_error', status: '500' });
    return reply.code(500).send({ error: 'server_error', error_description: 'internal error' });
  });
}
