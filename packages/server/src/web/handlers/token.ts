import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../error/index.js';
import type { Metrics } from '../../infra/metrics.js';
import { checkGrantAllowed, type GrantRegistry } from '../../service/grants/registry.js';
import { type AuthenticateClient, formBody, noStore, tokenRequestOf } from '../back-channel.js';

/**
 * `POST /api/oauth/token` (RFC 6749 §3.2): every grant through the registry. The grant type is checked first,
 * so an unsupported one is `unsupported_grant_type` for every client, public ones included (§5.2).
 */
export function tokenRoute(grants: GrantRegistry, authenticate: AuthenticateClient, metrics: Metrics) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/api/oauth/token', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const request = tokenRequestOf(body);
      const grantType = request.param('grant_type');
      if (grantType === undefined) throw invalidRequest('grant_type is required');
      const grant = grants.find(grantType);
      const client = await authenticate(req, body, grant.publicClients);
      checkGrantAllowed(grant, client, request.params('resource'));
      const res = await grant.exchange(client, request);
      metrics.tokensIssued.inc({ grant_type: grant.metricLabel });
      return res;
    });
  };
}
