import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../infra/metrics.js';
import { equalInConstantTime, sha256Key } from '../../service/crypto/hash.js';

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), the scheme in any case. */
const BEARER = /^Bearer +(\S+)$/i;

/**
 * `GET /metrics`: Prometheus exposition of this node's metrics. With a bearer token, a scrape without it is
 * answered 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).
 */
export function metricsRoute(metrics: Metrics, bearerToken?: string) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/metrics', async (req, reply) => {
      if (bearerToken !== undefined) {
        const sent = BEARER.exec(req.headers.authorization ?? '')?.[1];
        // Digests compared: the time taken says nothing about the token's length either.
        if (sent === undefined || !equalInConstantTime(sha256Key(sent), sha256Key(bearerToken))) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="metrics"')
            .header('cache-control', 'no-store')
            .send({ error: 'invalid_token', error_description: 'a valid bearer token is required' });
        }
      }
      return reply
        .header('content-type', metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    });
  };
}
