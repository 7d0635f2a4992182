import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { serializeRequest } from '../infra/log-serializers.js';
import type { AppContext } from '../state/index.js';
import { browserKit } from './browser-kit.js';
import { authorizeRoutes } from './handlers/authorize.js';
import { deviceRoutes } from './handlers/device.js';
import { healthRoutes } from './handlers/health.js';
import { logoutRoutes } from './handlers/logout.js';
import { oauthRoutes } from './handlers/oauth.js';
import { userinfoRoutes } from './handlers/userinfo.js';
import { wellKnownRoutes } from './handlers/well-known.js';
import { issuerPath } from './issuer-path.js';
import { installErrorHandler } from './middleware/errors.js';
import { installMetrics } from './middleware/metrics.js';
import { installNotFoundHandler } from './middleware/not-found.js';
import { installRateLimits } from './middleware/rate-limit.js';
import { genReqId, installRequestId } from './middleware/request-id.js';
import { installWriteCoalescing } from './middleware/write-coalescing.js';

/**
 * Longest a request may take to arrive, headers and body. Fastify's default is 0 (none): a client sending a
 * body a byte every few seconds (slowloris) held its connection, and a graceful shutdown, for as long as it
 * liked. Every body here is a small form or JSON (64 KiB at most), so 30 s is far more than any real client
 * needs; it is answered 408 and the connection closed.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Longest the request line and headers may take. Node's own default (60 s) is *above* the request timeout,
 * and Node then swaps the two (ConnectionsList::Expired): a trickled body was only cut off after 60 s.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node looks for requests past those limits (default 30 s: a 30 s limit would act at 30–60 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;

export interface BuildAppOptions {
  logger?: boolean;
}

/** A hop count as the function Fastify builds from one (its types only list the other forms). */
function trustProxyOption(value: AppContext['config']['server']['trust_proxy']) {
  return typeof value === 'number' ? (_address: string, hop: number) => hop < value : value;
}

/** Assembles the Fastify application with every route. */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // The child's serializers take precedence over Fastify's default `req` serializer (which logs the full URL).
    ...(options.logger
      ? {
          loggerInstance: ctx.logger.child(
            {},
            { serializers: { req: serializeRequest } },
          ) as FastifyBaseLogger,
        }
      : { logger: false }),
    bodyLimit: 64 * 1024,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Passed to http.createServer: the check interval can only be set there.
    http: {
      requestTimeout: REQUEST_TIMEOUT_MS,
      headersTimeout: HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    // Behind a load balancer: req.ip is then the forwarded client (rate limits, login throttle, logs).
    trustProxy: trustProxyOption(ctx.config.server.trust_proxy),
    genReqId,
    // A URL Fastify cannot even route (bad percent-encoding, e.g. `/api/oauth/%zz`): an RFC 6749 §5.2
    // shaped 400 like every other client error, not Fastify's own error body. A fixed description: Fastify's
    // message quotes the URL.
    frameworkErrors: (_err, _req, res) => {
      (res as FastifyReply)
        .code(400)
        .header('cache-control', 'no-store')
        .send({ error: 'invalid_request', error_description: 'the request URL could not be decoded' });
    },
  });
  installRequestId(app);
  installErrorHandler(app, ctx.metrics);
  installNotFoundHandler(app);
  installWriteCoalescing(app);
  // After the coalescing: a response's latency includes its wait for the turn's batch of writes.
  installMetrics(app, ctx.metrics);
  await app.register(formbody);
  const limits = await installRateLimits(app, ctx.config.rate_limit, ctx.store, ctx.metrics);
  // Health (and /metrics) belong to this node, not to the issuer: served at the root whatever its path.
  await app.register(healthRoutes(ctx));
  // The metadata locations are fixed by the specs relative to the issuer (see well-known.ts).
  await app.register(wellKnownRoutes(ctx));
  // The endpoints, under the issuer's path: the metadata advertises them as `<issuer>/api/oauth/…`.
  const prefix = issuerPath(ctx.config.oauth.issuer);
  await app.register(oauthRoutes(ctx, limits), { prefix });
  await app.register(userinfoRoutes(ctx), { prefix });
  // The browser-facing pages in their own encapsulated context: only they parse and set cookies (signed:
  // session, CSRF binding), so the cookie hooks cost the back-channel endpoints nothing.
  await app.register(
    async (pages) => {
      await pages.register(cookie, { secret: ctx.config.security.jwt_secret });
      const kit = browserKit(ctx);
      await pages.register(authorizeRoutes(ctx, kit));
      await pages.register(logoutRoutes(ctx, kit));
      await pages.register(deviceRoutes(ctx, kit));
    },
    { prefix },
  );
  return app;
}
