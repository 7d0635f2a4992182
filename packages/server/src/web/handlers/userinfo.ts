import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { userinfo } from '../../service/userinfo.js';
import type { AppContext } from '../../state/index.js';

/** `GET/POST /api/oauth/userinfo` (OIDC Core §5.3) with a Bearer access token (RFC 6750). */
export function userinfoRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store');
      const auth = req.headers.authorization;
      let token: string | undefined;
      if (auth !== undefined && /^bearer /i.test(auth)) token = auth.slice(7).trim();
      else if (req.method === 'POST') {
        // RFC 6750 §2.2: form-encoded body parameter (never the query string, §2.3 is not supported).
        const v = (req.body as Record<string, unknown> | undefined)?.['access_token'];
        if (typeof v === 'string') token = v;
      }
      if (token === undefined) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="gatehouse"')
          .send({ error: 'invalid_token' });
      }
      const r = await userinfo(ctx, token);
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
