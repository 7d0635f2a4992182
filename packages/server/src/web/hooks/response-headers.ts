import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * Headers every response carries, set in one `onRequest` hook (which 404s, 405s and errors pass through
 * too): the request id, and `X-Content-Type-Options: nosniff`, so that no browser reads a response as another
 * type than its `Content-Type` says (a JSON error body echoing input rendered as HTML, say).
 */
export function installResponseHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header(REQUEST_ID_HEADER, req.id).header('x-content-type-options', 'nosniff');
    done();
  });
}
