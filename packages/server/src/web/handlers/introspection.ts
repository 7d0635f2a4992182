import type { FastifyInstance } from 'fastify';
import type { Introspection } from '../../service/tokens/introspection.js';
import { type AuthenticateClient, formBody, noStore, tokenRequestOf } from '../back-channel.js';

/** `POST /api/oauth/introspect` (RFC 7662 §2): confidential clients only (resource servers). */
export function introspectionRoute(introspection: Introspection, authenticate: AuthenticateClient) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/api/oauth/introspect', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const client = await authenticate(req, body, false);
      return introspection.introspect(client, tokenRequestOf(body).param('token'));
    });
  };
}
