import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '../domain/index.js';
import { invalidRequest } from '../error/index.js';
import type { ClientAuthentication } from '../service/clients/client-authentication.js';
import type { TokenRequest } from '../service/grants/grant.js';
import type { RateLimits } from './hooks/rate-limit.js';

/*
 * What the back-channel endpoints (token, introspection, revocation, device authorization) share: a form body,
 * client authentication under the per-client rate limit, and responses that are never cached.
 */

export type FormBody = Record<string, unknown>;

/** RFC 6749 §3.2: the request is `application/x-www-form-urlencoded`. */
export function formBody(req: FastifyRequest): FormBody {
  const ct = req.headers['content-type'] ?? '';
  if (!ct.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest('content type must be application/x-www-form-urlencoded');
  }
  return (req.body ?? {}) as FormBody;
}

/**
 * The form body's parameters; a repeated single-valued one is invalid_request (RFC 6749 §3.2). An empty one is
 * no value: "Parameters sent without a value MUST be treated as if they were omitted from the request" (§3.1),
 * so `grant_type=` is a missing grant_type (invalid_request) and `scope=` asks for the default scope.
 */
export function tokenRequestOf(body: FormBody): TokenRequest {
  return {
    param(name) {
      const v = body[name];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw invalidRequest(`${name} must not be repeated`);
      return v === '' ? undefined : v;
    },
    params(name) {
      const v = body[name];
      if (v === undefined) return [];
      return Array.isArray(v) ? v.map(String) : [String(v)];
    },
  };
}

/** RFC 6749 §5.1: "Cache-Control: no-store" and "Pragma: no-cache" on every response with tokens or secrets. */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/**
 * Client authentication (RFC 6749 §2.3.1; `allowPublic` also admits `none` clients), then the per-client limit,
 * keyed on the authenticated client: authentication is a secret oracle, so it runs under the limits too.
 */
export type AuthenticateClient = (
  req: FastifyRequest,
  body: FormBody,
  allowPublic: boolean,
) => Promise<Client>;

export function clientAuthenticator(
  authentication: Pick<ClientAuthentication, 'authenticate'>,
  limits: RateLimits,
): AuthenticateClient {
  return async (req, body, allowPublic) => {
    const client = await authentication.authenticate(
      { authorization: req.headers.authorization, body },
      { allowPublic },
    );
    await limits.perClient(req, client);
    return client;
  };
}
