import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/index.js';
import { serializeRequest } from '../infra/log-serializers.js';
import type { Metrics } from '../infra/metrics.js';
import type { Store } from '../infra/store/index.js';
import type { Userinfo } from '../service/accounts/userinfo.js';
import type { UserService } from '../service/accounts/users.js';
import type { AuthorizationRequests } from '../service/authorization/authorization-request.js';
import type { ClientAuthentication } from '../service/clients/client-authentication.js';
import type { ClientService } from '../service/clients/clients.js';
import type { ConsentService } from '../service/consent/consent.js';
import type { PurposeKeys } from '../service/crypto/purpose-keys.js';
import type { DeviceRequests } from '../service/device/device-requests.js';
import type { UserCodeGuesses } from '../service/device/user-code-guesses.js';
import type { AuthorizationCodeGrant } from '../service/grants/authorization-code.js';
import type { GrantRegistry } from '../service/grants/registry.js';
import type { KeyService } from '../service/keys/keys.js';
import type { PasswordSignIn } from '../service/sign-in/password-sign-in.js';
import type { IdTokenHints } from '../service/tokens/id-token-hint.js';
import type { Introspection } from '../service/tokens/introspection.js';
import type { Revocation } from '../service/tokens/revocation.js';
import { clientAuthenticator } from './back-channel.js';
import { browserContext } from './browser/browser-context.js';
import { authorizeRoutes } from './handlers/authorize.js';
import { deviceAuthorizationRoute } from './handlers/device-authorization.js';
import { deviceVerificationRoutes } from './handlers/device-verification.js';
import { discoveryRoutes } from './handlers/discovery.js';
import { type Draining, healthRoutes, type Pingable } from './handlers/health.js';
import { introspectionRoute } from './handlers/introspection.js';
import { jwksRoutes } from './handlers/jwks.js';
import { logoutRoutes } from './handlers/logout.js';
import { metricsRoute } from './handlers/metrics.js';
import { revocationRoute } from './handlers/revocation.js';
import { tokenRoute } from './handlers/token.js';
import { userinfoRoutes } from './handlers/userinfo.js';
import { installErrorHandler } from './hooks/errors.js';
import { installMetrics } from './hooks/metrics.js';
import { installNotFoundHandler } from './hooks/not-found.js';
import { installRateLimits } from './hooks/rate-limit.js';
import { answerClientError } from './hooks/raw-answers.js';
import { genReqId } from './hooks/request-id.js';
import { installResponseBatching } from './hooks/response-batching.js';
import { installResponseHeaders } from './hooks/response-headers.js';
import { issuerPath } from './issuer-path.js';
import { RequestLogController } from './request-log-controller.js';

/**
 * Longest a request may take to arrive, headers and body. Fastify's default is 0 (none): a client sending a
 * body a byte every few seconds (slowloris) would hold its connection, and a graceful shutdown, for as long
 * as it liked. Every body here is a small form or JSON (64 KiB at most), so 30 s is far more than any real
 * client needs; it is answered 408 and the connection closed.
 */
export const REQUEST_TIMEOUT_MS = 30_000;
/**
 * Longest the request line and headers may take. Node's own default (60 s) is *above* the request timeout,
 * and Node then swaps the two (ConnectionsList::Expired): a trickled body would only be cut off after 60 s.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How often Node looks for requests past those limits (default 30 s: a 30 s limit would act at 30–60 s). */
export const TIMEOUT_CHECK_INTERVAL_MS = 5_000;

/** Everything the HTTP layer serves from: the services, and the infrastructure it reports on. */
export interface HttpDependencies {
  config: Pick<AppConfig, 'oauth' | 'server' | 'rate_limit' | 'security'>;
  logger: Logger;
  metrics: Metrics;
  /** The rate limiter shares the store's Redis connection; the health check pings it. */
  store: Store;
  database: Pingable;
  clients: ClientService;
  clientAuthentication: ClientAuthentication;
  users: UserService;
  consents: ConsentService;
  keys: KeyService;
  grants: GrantRegistry;
  authorizationCodes: AuthorizationCodeGrant;
  authorizationRequests: AuthorizationRequests;
  deviceRequests: DeviceRequests;
  userCodeGuesses: UserCodeGuesses;
  introspection: Introspection;
  revocation: Revocation;
  userinfo: Userinfo;
  signIn: PasswordSignIn;
  idTokenHints: IdTokenHints;
  /** Cookie signing, CSRF tokens, login proofs and the public `sid`, each under its own key. */
  purposeKeys: PurposeKeys;
}

export interface HttpAppOptions {
  logger?: boolean;
  /** Longest a request may take to arrive, headers and body (default REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** Longest the request line and headers may take (default HEADERS_TIMEOUT_MS); at most requestTimeoutMs. */
  headersTimeoutMs?: number;
  /** How often Node looks for requests past those limits (default TIMEOUT_CHECK_INTERVAL_MS). */
  timeoutCheckIntervalMs?: number;
  /** Serve `/metrics` on this app (default true; app/server.ts decides for `gatehouse serve`). */
  metricsOnMainPort?: boolean;
  /** Scrapes of `/metrics` must send this bearer token. */
  metricsBearerToken?: string | undefined;
  /** Makes `/api/readyz` answer 503 while the node drains (app/server.ts sets it at the stop signal). */
  readiness?: Draining;
}

/** A hop count as the function Fastify builds from one (its types only list the other forms). */
function trustProxyOption(value: AppConfig['server']['trust_proxy']) {
  return typeof value === 'number' ? (_address: string, hop: number) => hop < value : value;
}

/** Assembles the Fastify application with every route. */
export async function buildHttpApp(
  deps: HttpDependencies,
  options: HttpAppOptions = {},
): Promise<FastifyInstance> {
  const { config, metrics } = deps;
  const { issuer } = config.oauth;
  const { purposeKeys } = deps;
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, requestTimeout);
  const app = Fastify({
    // The child's serializers take precedence over Fastify's default `req` serializer (which logs the full URL).
    ...(options.logger
      ? {
          loggerInstance: deps.logger.child(
            {},
            { serializers: { req: serializeRequest } },
          ) as FastifyBaseLogger,
          // Per-request lines at debug: the default level logs start-up, warnings and errors.
          logController: new RequestLogController(),
        }
      : { logger: false }),
    bodyLimit: 64 * 1024,
    requestTimeout,
    // Passed to http.createServer: the check interval can only be set there.
    http: {
      requestTimeout,
      headersTimeout,
      connectionsCheckingInterval: options.timeoutCheckIntervalMs ?? TIMEOUT_CHECK_INTERVAL_MS,
    },
    // Behind a load balancer: req.ip is then the forwarded client (rate limits, login throttle, logs).
    trustProxy: trustProxyOption(config.server.trust_proxy),
    genReqId,
    // Requests Node itself refuses (unparsable, headers too large, too slow): a JSON error like every other.
    clientErrorHandler: answerClientError,
    // A URL Fastify cannot even route (bad percent-encoding, e.g. `/api/oauth/%zz`): an RFC 6749 §5.2
    // shaped 400 like every other client error, not Fastify's own error body. A fixed description: Fastify's
    // message quotes the URL.
    frameworkErrors: (_err, _req, res) => {
      (res as FastifyReply)
        .code(400)
        .header('cache-control', 'no-store')
        // Answered before the onRequest hooks (hooks/response-headers.ts) would have run.
        .header('x-content-type-options', 'nosniff')
        .send({ error: 'invalid_request', error_description: 'the request URL could not be decoded' });
    },
  });
  installResponseHeaders(app);
  installErrorHandler(app, metrics);
  installNotFoundHandler(app);
  installResponseBatching(app);
  // After the batching: a response's latency includes its wait for the turn's batch of writes.
  installMetrics(app, metrics);
  await app.register(formbody);
  const limits = await installRateLimits(app, config.rate_limit, deps.store, metrics);
  // Health and metrics belong to this node, not to the issuer: served at the root whatever its path.
  await app.register(
    healthRoutes({ database: deps.database, store: deps.store, readiness: options.readiness }),
  );
  if (options.metricsOnMainPort ?? true)
    await app.register(metricsRoute(metrics, options.metricsBearerToken));
  // The metadata locations are fixed by the specs relative to the issuer (see discovery.ts).
  const scopesSupported = config.oauth.scopes_supported;
  await app.register(discoveryRoutes({ issuer, scopesSupported, grantTypes: deps.grants.grantTypes }));
  await app.register(jwksRoutes(deps.keys, issuer));
  // The endpoints, under the issuer's path: the metadata advertises them as `<issuer>/api/oauth/…`.
  const prefix = issuerPath(issuer);
  await app.register(
    async (backChannel) => {
      // Per-IP limit on every request to these endpoints, before the body is parsed.
      backChannel.addHook('onRequest', limits.perIp);
      const authenticate = clientAuthenticator(deps.clientAuthentication, limits);
      await backChannel.register(tokenRoute(deps.grants, authenticate, metrics));
      await backChannel.register(deviceAuthorizationRoute(deps.deviceRequests, authenticate));
      await backChannel.register(introspectionRoute(deps.introspection, authenticate));
      await backChannel.register(revocationRoute(deps.revocation, authenticate));
    },
    { prefix },
  );
  await app.register(userinfoRoutes(deps.userinfo), { prefix });
  // The browser-facing pages in their own encapsulated context: only they parse and set cookies (signed:
  // session, CSRF binding), so the cookie hooks cost the back-channel endpoints nothing.
  await app.register(
    async (pages) => {
      await pages.register(cookie, { secret: purposeKeys.cookies });
      const kit = browserContext({ store: deps.store, users: deps.users, issuer, csrfKey: purposeKeys.csrf });
      const { clients, signIn } = deps;
      await pages.register(
        authorizeRoutes(
          {
            issuer,
            loginProofKey: purposeKeys.loginProof,
            requests: deps.authorizationRequests,
            codes: deps.authorizationCodes,
            consents: deps.consents,
            signIn,
          },
          kit,
        ),
      );
      await pages.register(
        logoutRoutes(
          { issuer, sessionIdKey: purposeKeys.sessionId, idTokenHints: deps.idTokenHints, clients },
          kit,
        ),
      );
      await pages.register(
        deviceVerificationRoutes(
          { issuer, requests: deps.deviceRequests, guesses: deps.userCodeGuesses, clients, signIn },
          kit,
        ),
      );
    },
    { prefix },
  );
  return app;
}
