import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Userinfo } from '../../service/accounts/userinfo.js';

type BearerTransport = { token: string } | { invalid: string } | { none: true };

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/**
 * Where the request carries its access token (RFC 6750 §2). Two transports are accepted: the Authorization
 * header (§2.1) and, on POST, the `access_token` field of an `application/x-www-form-urlencoded` body (§2.2).
 * The URI query (§2.3) is not supported. A body of any other type (JSON, say) is not the §2.2 transport, so
 * its `access_token` is no token at all: the request then "lacks any authentication information" (§3.1).
 */
function bearerTransport(req: FastifyRequest): BearerTransport {
  const auth = req.headers.authorization;
  const header = auth !== undefined && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
  const formBody =
    req.method === 'POST' && FORM_CONTENT_TYPE.test(req.headers['content-type'] ?? '')
      ? (req.body as Record<string, unknown> | undefined)
      : undefined;
  const field = formBody?.['access_token'];
  // §3.1 invalid_request: "repeats the same parameter" — formbody gives a repeated field as an array.
  if (Array.isArray(field)) return { invalid: 'access_token must not be repeated' };
  // §2: "Clients MUST NOT use more than one method to transmit the token in each request."
  if (header !== undefined && field !== undefined) {
    return { invalid: 'the access token must be sent in the Authorization header or the body, not both' };
  }
  if (header !== undefined) return { token: header };
  if (typeof field === 'string') return { token: field };
  return { none: true };
}

/** `GET/POST /api/oauth/userinfo` (OIDC Core §5.3) with a Bearer access token (RFC 6750). */
export function userinfoRoutes(userinfo: Userinfo) {
  return async (app: FastifyInstance): Promise<void> => {
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store');
      const transport = bearerTransport(req);
      if ('invalid' in transport) {
        // RFC 6750 §3.1: a malformed request is 400 invalid_request.
        return reply
          .code(400)
          .header('www-authenticate', 'Bearer realm="gatehouse", error="invalid_request"')
          .send({ error: 'invalid_request', error_description: transport.invalid });
      }
      if ('none' in transport) {
        // RFC 6750 §3.1: no authentication information → a challenge without an error code or description.
        return reply.code(401).header('www-authenticate', 'Bearer realm="gatehouse"').send();
      }
      const r = await userinfo.claims(transport.token);
      if (!r.ok) {
        // RFC 6750 §3.1: 401 invalid_token, 403 insufficient_scope.
        const status = r.error === 'insufficient_scope' ? 403 : 401;
        return reply
          .code(status)
          .header('www-authenticate', `Bearer realm="gatehouse", error="${r.error}"`)
          .send({ error: r.error });
      }
      return r.claims;
    };
    app.get('/api/oauth/userinfo', handle);
    app.post('/api/oauth/userinfo', handle);
  };
}
