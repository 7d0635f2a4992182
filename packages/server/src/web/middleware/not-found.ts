import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * 404 for unknown paths; 405 with an `Allow` header when the path exists under other methods
 * (RFC 9110 §15.5.6), e.g. `GET /api/oauth/token`.
 */
export function notFoundHandler(app: FastifyInstance) {
  return (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const allowed = METHODS.filter((method) => app.hasRoute({ method, url: path }));
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send({ error: 'invalid_request', error_description: `method ${req.method} is not allowed here` });
    }
    return reply.code(404).send({ error: 'not_found' });
  };
}
