import type { FastifyInstance } from 'fastify';
import type { DeviceRequests } from '../../service/device/device-requests.js';
import { type AuthenticateClient, formBody, noStore, tokenRequestOf } from '../back-channel.js';

/**
 * `POST /api/oauth/device_authorization` (RFC 8628 §3.1–3.2): the device asks for a device code and a user
 * code. Client authentication here is as much a secret oracle as at the token endpoint, so it runs under the
 * same limits (RFC 6749 §2.3.1).
 */
export function deviceAuthorizationRoute(
  requests: Pick<DeviceRequests, 'start'>,
  authenticate: AuthenticateClient,
) {
  return async (app: FastifyInstance): Promise<void> => {
    app.post('/api/oauth/device_authorization', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const client = await authenticate(req, body, true);
      return requests.start(client, tokenRequestOf(body).param('scope'), req.ip);
    });
  };
}
