import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

const HEADER = 'x-request-id';
const VALID = /^[\w.:-]{1,128}$/;

/** Request id for logs: taken from a well-formed incoming `X-Request-Id`, else generated; echoed in the response. */
export function genReqId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const incoming = req.headers[HEADER];
  return typeof incoming === 'string' && VALID.test(incoming) ? incoming : randomUUID();
}

export function installRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header(HEADER, req.id);
    done();
  });
}
