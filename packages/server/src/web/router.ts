import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializeRequest } from '../infra/log-serializers.js';
import type { AppContext } from '../state/index.js';
import { authorizeRoutes } from './handlers/authorize.js';
import { healthRoutes } from './handlers/health.js';
import { oauthRoutes } from './handlers/oauth.js';
import { wellKnownRoutes } from './handlers/well-known.js';
import { installErrorHandler } from './middleware/errors.js';
import { installMetrics } from './middleware/metrics.js';
import { installRateLimits } from './middleware/rate-limit.js';
import { genReqId, installRequestId } from './middleware/request-id.js';

export interface BuildAppOptions {
  logger?: boolean;
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
    genReqId,
  });
  installRequestId(app);
  installErrorHandler(app, ctx.metrics);
  installMetrics(app, ctx.metrics);
  await app.register(formbody);
  const limits = await installRateLimits(app, ctx.config.rate_limit, ctx.store, ctx.metrics);
  await app.register(healthRoutes(ctx));
  await app.register(wellKnownRoutes(ctx));
  await app.register(oauthRoutes(ctx, limits));
  await app.register(authorizeRoutes(ctx));
  return app;
}
