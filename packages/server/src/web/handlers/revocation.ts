import type { FastifyInstance } from 'fastify';
import type { Revocation } from '../../service/tokens/revocation.js';
import { type AuthenticateClient, formBody, noStore, tokenRequestOf } from '../back-channel.js';

/** `POST /api/oauth/revoke` (RFC 7009 §2): public clients may revoke their own tokens (§2.1). */
export function revocationRoute(revocation: Revocation, authenticate: AuthenticateClient) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/api/oauth/revoke', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const client = await authenticate(req, body, true);
      await revocation.revoke(client, tokenRequestOf(body).param('token'));
      return reply.code(200).send();
    });
  };
}
