import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '../../domain/index.js';
import { invalidRequest, OAuthError, unsupportedGrantType } from '../../error/index.js';
import { authorizationCodeGrant } from '../../service/grants/authorization-code.js';
import { DEVICE_GRANT, deviceCodeGrant, startDeviceAuthorization } from '../../service/grants/device-code.js';
import { refreshTokenGrant } from '../../service/grants/refresh-token.js';
import { introspectToken } from '../../service/introspection.js';
import { revokeToken } from '../../service/revocation.js';
import type { AppContext } from '../../state/index.js';
import type { RateLimits } from '../middleware/rate-limit.js';

type Body = Record<string, unknown>;

function formBody(req: FastifyRequest): Body {
  const ct = req.headers['content-type'] ?? '';
  if (!ct.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest('content type must be application/x-www-form-urlencoded');
  }
  return (req.body ?? {}) as Body;
}

/** A single-valued parameter; repeated parameters are invalid_request (RFC 6749 §3.2). */
function single(body: Body, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`${name} must not be repeated`);
  return v;
}

function many(body: Body, name: string): string[] {
  const v = body[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/**
 * RFC 8707 resource indicators are honoured for the client credentials grant only. A user grant asked for a
 * resource gets invalid_target rather than a token for another audience than the one it asked for (§2).
 */
function noResource(body: Body): void {
  if (body['resource'] !== undefined) {
    throw new OAuthError('invalid_target', 'resource is supported with the client_credentials grant only');
  }
}

function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

export function oauthRoutes(ctx: AppContext, limits: RateLimits) {
  return async (app: FastifyInstance): Promise<void> => {
    // Per-IP limit on every request to these endpoints, before the body is parsed.
    app.addHook('onRequest', limits.perIp);

    /**
     * Client authentication (RFC 6749 §2.3.1; `allowPublic` also admits `none` clients), then the per-client
     * limit, keyed on the authenticated client.
     */
    const authenticate = async (req: FastifyRequest, body: Body, allowPublic = false) => {
      const client = await ctx.clients.authenticate(
        { authorization: req.headers.authorization, body },
        { allowPublic },
      );
      await limits.perClient(req, client);
      return client;
    };

    /** The grants that issue tokens for a user, by `grant_type`, with the label they are counted under. */
    const userGrants = new Map<
      string,
      { metricLabel: string; issue(client: Client, body: Body): Promise<unknown> }
    >([
      [
        'authorization_code',
        {
          metricLabel: 'authorization_code',
          issue: (client, body) =>
            authorizationCodeGrant(ctx, client, {
              code: single(body, 'code'),
              redirectUri: single(body, 'redirect_uri'),
              codeVerifier: single(body, 'code_verifier'),
            }),
        },
      ],
      [
        DEVICE_GRANT,
        {
          metricLabel: 'device_code',
          issue: (client, body) => deviceCodeGrant(ctx, client, single(body, 'device_code')),
        },
      ],
      [
        'refresh_token',
        {
          metricLabel: 'refresh_token',
          issue: (client, body) =>
            refreshTokenGrant(ctx, client, {
              refreshToken: single(body, 'refresh_token'),
              scope: single(body, 'scope'),
            }),
        },
      ],
    ]);

    app.post('/api/oauth/token', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const grantType = single(body, 'grant_type');
      if (grantType === undefined) throw invalidRequest('grant_type is required');
      const userGrant = userGrants.get(grantType);
      if (userGrant !== undefined) {
        // Public clients may use these grants (PKCE / device code / their refresh token prove possession).
        const client = await authenticate(req, body, true);
        noResource(body);
        const res = await userGrant.issue(client, body);
        ctx.metrics.tokensIssued.inc({ grant_type: userGrant.metricLabel });
        return res;
      }
      // RFC 6749 §5.2: a grant we do not support is unsupported_grant_type for every client, public ones
      // included (which the client_credentials authentication below would turn away as invalid_client).
      if (grantType !== 'client_credentials')
        throw unsupportedGrantType(`unsupported grant_type: ${grantType}`);
      const client = await authenticate(req, body);
      const res = await ctx.tokens.issueClientCredentials(
        client,
        single(body, 'scope'),
        many(body, 'resource'),
      );
      ctx.metrics.tokensIssued.inc({ grant_type: grantType });
      return res;
    });

    // RFC 8628 §3.1–3.2: the device asks for a device code and a user code. Client authentication here is
    // as much a secret oracle as at the token endpoint, so it runs under the same limits (RFC 6749 §2.3.1).
    app.post('/api/oauth/device_authorization', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const client = await authenticate(req, body, true);
      return startDeviceAuthorization(ctx, client, single(body, 'scope'));
    });

    app.post('/api/oauth/introspect', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const client = await authenticate(req, body);
      return introspectToken(ctx, client, single(body, 'token'));
    });

    app.post('/api/oauth/revoke', async (req, reply) => {
      noStore(reply);
      const body = formBody(req);
      const client = await authenticate(req, body, true);
      await revokeToken(ctx, client, single(body, 'token'));
      return reply.code(200).send();
    });
  };
}
