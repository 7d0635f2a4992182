import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/index.js';
import type { Client } from '../../domain/index.js';
import { OAuthError } from '../../error/index.js';
import type { Metrics } from '../../infra/metrics.js';
import { RedisStore, type Store } from '../../infra/store/index.js';

const WINDOW_MS = 60_000;
/** Distinct IPs / clients remembered per node without Redis (least recently used are forgotten first). */
const LOCAL_CACHE_ENTRIES = 10_000;
const CLIENT_ID = Symbol('gatehouse.rateLimitClientId');

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type KeyedRequest = FastifyRequest & { [CLIENT_ID]?: string };

/**
 * The two checks the back-channel endpoints (token, introspection, revocation, device authorization) run.
 */
export interface RateLimits {
  /** Every request, counted per client IP, before the body is even parsed (an `onRequest` hook). */
  perIp(req: FastifyRequest): Promise<void>;
  /** Counted per client, only once the client has proven who it is (see {@link installRateLimits}). */
  perClient(req: FastifyRequest, client: Client): Promise<void>;
}

const NO_LIMITS: RateLimits = { perIp: async () => {}, perClient: async () => {} };

/**
 * Over the limit: RFC 6749 §5.2 has no rate-limit code. `temporarily_unavailable` (RFC 6749 §4.1.2.1,
 * "temporary overloading", in the IANA OAuth Extensions Error Registry) is the registered code that clients
 * already treat as "retry later" — our client and openid-client retry it; see docs/decisions.md.
 */
function tooManyRequests(retryAfterSecs: number, which: 'ip' | 'client'): OAuthError {
  return new OAuthError(
    'temporarily_unavailable',
    which === 'ip'
      ? 'too many requests from this address, retry later'
      : 'too many requests for this client, retry later',
    429,
    { 'retry-after': String(Math.max(1, retryAfterSecs)) },
  );
}

/**
 * Registers `@fastify/rate-limit` (Redis-backed on the store's own connection when the store is Redis, so
 * every node shares the counters; in-process otherwise) and returns the two checks. Must run before the
 * routes that use them are registered.
 */
export async function installRateLimits(
  app: FastifyInstance,
  config: AppConfig['rate_limit'],
  store: Store,
  metrics: Metrics,
): Promise<RateLimits> {
  if (!config.enabled) return NO_LIMITS;
  const redis = store instanceof RedisStore ? store : undefined;
  await app.register(rateLimit, {
    global: false,
    // A Redis outage must not turn every token request into a 500: rate limiting fails open (the
    // revocation lookups that need Redis report their own errors).
    skipOnError: true,
    ...(redis ? { redis: redis.client, nameSpace: `${redis.prefix}rate-limit:` } : {}),
  });
  const common = { timeWindow: WINDOW_MS, skipOnError: true, cache: LOCAL_CACHE_ENTRIES };
  const ipLimiter: Limiter = app.createRateLimit({
    ...common,
    max: config.per_ip_per_minute,
    // The plugin's default key: the client IP, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64 (one site's
    // allocation), so an attacker cannot evade the limit by rotating addresses inside it.
    ipv6Subnet: 64,
  } as Parameters<FastifyInstance['createRateLimit']>[0]);
  const clientLimiter: Limiter = app.createRateLimit({
    ...common,
    max: config.per_client_per_minute,
    keyGenerator: (req: FastifyRequest) => `client:${(req as KeyedRequest)[CLIENT_ID] ?? ''}`,
  } as Parameters<FastifyInstance['createRateLimit']>[0]);

  const enforce = async (limiter: Limiter, req: FastifyRequest, which: 'ip' | 'client') => {
    const result = await limiter(req);
    if (result.isAllowed || !result.isExceeded) return;
    metrics.rateLimited.inc({ route: req.routeOptions.url ?? 'unmatched', limit: which });
    throw tooManyRequests(result.ttlInSeconds, which);
  };

  return {
    perIp: (req) => enforce(ipLimiter, req, 'ip'),
    async perClient(req, client) {
      // Keyed on the *authenticated* client only. Counting a client_id taken from an unauthenticated
      // request would let anyone exhaust a victim client's bucket by sending its client_id with a wrong
      // secret and lock the real client out; such requests only count against their own IP. Public clients
      // (`none`) prove nothing about who sends their client_id, so they are limited per IP only.
      if (client.tokenEndpointAuthMethod === 'none') return;
      (req as KeyedRequest)[CLIENT_ID] = client.clientId;
      await enforce(clientLimiter, req, 'client');
    },
  };
}
