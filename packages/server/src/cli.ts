#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { destination, type Logger } from 'pino';
import {
  type AppConfig,
  ConfigError,
  clientSchema,
  formatIssues,
  loadConfig,
  userSchema,
} from './config/index.js';
import { createLogger } from './infra/logger.js';
import { NoClientSecretError } from './service/clients.js';
import { revokeClientGrantsOf } from './service/grants/refresh-token.js';
import { KEY_RELOAD_INTERVAL_SECS } from './service/keys.js';
import { type AppContext, createContext } from './state/index.js';
import { buildApp } from './web/router.js';

const USAGE = `usage: gatehouse <command>
  serve                                   run the server (default)
  migrate                                 apply database migrations and exit
  clients create <id> [--scope s]... [--grant g]... [--auth-method m] [--redirect-uri u]...
                 [--name display-name] [--post-logout-redirect-uri u]... [--resource uri]...
                 [--jwks-uri url | --jwks-file jwks.json]   (private_key_jwt)
                 [--replace]                             (replace an existing client)
  clients list | delete <id> | rotate-secret <id>
  users create <username> --password p [--email e] [--name n] [--replace]
  users set-password <username> --password p
  users delete <username>
  consents list <username> | revoke <username> <client_id>
  keys list | rotate
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * The configuration, and the logger every part of the command logs through. `serve` logs to stdout, the
 * service's log stream; every other command to stderr, so that its stdout is only its output: JSON that may
 * hold a client secret, piped into `jq` or a secret store, must not start with a configuration warning.
 * Synchronous, so that nothing is lost to a `process.exit` right after.
 */
function config(logTo: 'stdout' | 'stderr'): { cfg: AppConfig; logger: Logger } {
  // The logger needs a valid log_level, which is part of the configuration: warnings wait for it.
  const warnings: string[] = [];
  let cfg: AppConfig;
  try {
    cfg = loadConfig({ warn: (m) => warnings.push(m) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 78);
    throw err;
  }
  const logger =
    logTo === 'stdout'
      ? createLogger(cfg.log_level)
      : createLogger(cfg.log_level, destination({ dest: 2, sync: true }));
  for (const m of warnings) logger.warn(m);
  return { cfg, logger };
}

async function withContext(fn: (ctx: AppContext) => Promise<void>, seed = false): Promise<void> {
  const { cfg, logger } = config('stderr');
  const ctx = await createContext(cfg, { seed, logger });
  try {
    await fn(ctx);
  } finally {
    await ctx.close();
  }
}

/**
 * How long a stop signal waits for requests in flight. An orchestrator sends SIGKILL after its own grace
 * period (Kubernetes: 30 s), which would skip `ctx.close()`; a client trickling a body (see
 * REQUEST_TIMEOUT_MS in web/router.ts) must not hold the process past this either.
 */
const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Stops accepting connections and lets requests in flight finish; at the deadline, closes the connections
 * still open (their requests fail) so that the close completes. True when nothing had to be cut off.
 */
async function closeWithin(app: FastifyInstance, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = app.close().then(() => true);
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const drained = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  if (drained) return true;
  app.server.closeAllConnections();
  await closed;
  return false;
}

const REFRESH_TOKEN_PURGE_INTERVAL_MS = 60 * 60 * 1000;

async function serve(): Promise<void> {
  const { cfg, logger } = config('stdout');
  const ctx = await createContext(cfg, { defaultMetrics: true, logger });
  const app = await buildApp(ctx, { logger: true });
  // Pick up keys rotated by another node (or `gatehouse keys rotate`) for the JWKS and for signing. A failed
  // reload is logged through the key service's onReloadError option (state/index.ts), and the keys loaded
  // before stay.
  const reload = setInterval(() => void ctx.keys.refresh(0), KEY_RELOAD_INTERVAL_SECS * 1000);
  reload.unref();
  // Refresh tokens whose family has expired can never be used again: deleted at start and then hourly (on
  // every node; the DELETE is idempotent). Rotated ones stay until then, for reuse detection (RFC 9700 §4.14.2).
  const purgeExpired = () =>
    ctx.refreshTokens.purgeExpired().then(
      (n) => n > 0 && app.log.info({ purged: n }, 'expired refresh tokens deleted'),
      (err: unknown) => app.log.warn({ err }, 'purging expired refresh tokens failed; retried in an hour'),
    );
  void purgeExpired();
  const purge = setInterval(purgeExpired, REFRESH_TOKEN_PURGE_INTERVAL_MS);
  purge.unref();
  const shutdown = async () => {
    clearInterval(reload);
    clearInterval(purge);
    const drained = await closeWithin(app, SHUTDOWN_DEADLINE_MS);
    if (!drained)
      app.log.warn(
        `requests still open ${SHUTDOWN_DEADLINE_MS} ms after the stop signal: connections closed`,
      );
    await ctx.close();
    process.exit(drained ? 0 : 1);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ host: cfg.server.host, port: cfg.server.port });
}

const out = (v: unknown): void => {
  process.stdout.write(`${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}\n`);
};

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    // Unknown option, missing value, …: usage error, not a crash.
    fail(`${(err as Error).message}\n${USAGE}`);
  }
}

const OPTIONS = {
  scope: { type: 'string', multiple: true },
  grant: { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
  'redirect-uri': { type: 'string', multiple: true },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  'jwks-uri': { type: 'string' },
  'jwks-file': { type: 'string' },
  password: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  replace: { type: 'boolean' },
} as const;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv);
  const [cmd = 'serve', sub, arg, arg2] = positionals;
  if (values.help) return out(USAGE);
  switch (`${cmd}${sub ? ` ${sub}` : ''}`) {
    case 'serve':
      return serve();
    case 'migrate':
      return withContext(async () => out('migrations applied'));
    case 'clients list':
      return withContext(async (ctx) => out((await ctx.clients.list()).map(({ secretHash: _s, ...c }) => c)));
    case 'clients create': {
      if (!arg) fail(USAGE);
      let jwks: unknown;
      if (values['jwks-file'] !== undefined) {
        try {
          jwks = JSON.parse(readFileSync(values['jwks-file'], 'utf8'));
        } catch (err) {
          fail(`--jwks-file: cannot read a JSON JWK Set: ${(err as Error).message}`);
        }
      }
      // Same validation as config-file clients (public keys only, exactly one key source for private_key_jwt).
      const parsed = clientSchema.safeParse({
        client_id: arg,
        token_endpoint_auth_method: values['auth-method'] ?? 'client_secret_basic',
        grant_types: values.grant ?? ['client_credentials'],
        scopes: values.scope ?? [],
        redirect_uris: values['redirect-uri'] ?? [],
        post_logout_redirect_uris: values['post-logout-redirect-uri'] ?? [],
        resources: values.resource ?? [],
        ...(values.name !== undefined ? { client_name: values.name } : {}),
        ...(values['jwks-uri'] !== undefined ? { jwks_uri: values['jwks-uri'] } : {}),
        ...(jwks !== undefined ? { jwks } : {}),
        // The secret is generated by the service; a placeholder satisfies the schema's secret rule.
        ...(['client_secret_basic', 'client_secret_post'].includes(
          values['auth-method'] ?? 'client_secret_basic',
        )
          ? { client_secret: 'generated' }
          : {}),
      });
      if (!parsed.success) fail(formatIssues(parsed.error, 'client').join('\n'));
      const { client_secret: _placeholder, ...seed } = parsed.data;
      return withContext(async (ctx) => {
        if (!values.replace && (await ctx.clients.find(arg)) !== undefined) {
          fail(`client ${arg} exists; use clients rotate-secret, or --replace`, 1);
        }
        const { client, secret } = await ctx.clients.create(seed);
        out({ client_id: client.clientId, client_secret: secret });
      });
    }
    case 'clients delete':
      if (!arg) fail(USAGE);
      return withContext(async (ctx) => {
        if (!(await ctx.clients.delete(arg))) fail(`no such client: ${arg}`, 1);
        out(`deleted ${arg}`);
      });
    case 'clients rotate-secret':
      if (!arg) fail(USAGE);
      return withContext(async (ctx) => {
        let secret: string | undefined;
        try {
          secret = await ctx.clients.rotateSecret(arg);
        } catch (err) {
          if (err instanceof NoClientSecretError) fail(err.message, 1);
          throw err;
        }
        if (secret === undefined) fail(`no such client: ${arg}`, 1);
        out({ client_id: arg, client_secret: secret });
      });
    case 'users create': {
      if (!arg || values.password === undefined) fail(USAGE);
      // Same rules as config-file users (password length, email).
      const parsed = userSchema.safeParse({
        username: arg,
        password: values.password,
        ...(values.email !== undefined ? { email: values.email } : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
      });
      if (!parsed.success) fail(formatIssues(parsed.error, 'user').join('\n'));
      return withContext(async (ctx) => {
        // Like clients create: an existing account is not overwritten (its password, email and name) by a
        // mistyped or repeated command.
        if (!values.replace && (await ctx.users.exists(arg))) {
          fail(`user ${arg} exists; use users set-password, or --replace`, 1);
        }
        await ctx.users.upsert(parsed.data);
        out(`user ${arg} saved`);
      });
    }
    case 'users set-password': {
      if (!arg || values.password === undefined) fail(USAGE);
      const password = userSchema.shape.password.safeParse(values.password);
      if (!password.success) fail(formatIssues(password.error, 'password').join('\n'));
      return withContext(async (ctx) => {
        if (!(await ctx.users.setPassword(arg, password.data))) fail(`no such user: ${arg}`, 1);
        out(`password updated for ${arg}`);
      });
    }
    case 'users delete':
      if (!arg) fail(USAGE);
      return withContext(async (ctx) => {
        if (!(await ctx.users.delete(arg))) fail(`no such user: ${arg}`, 1);
        out(`deleted ${arg}`);
      });
    case 'consents list':
      if (!arg) fail(USAGE);
      return withContext(async (ctx) => out(await ctx.consents.list(arg)));
    case 'consents revoke':
      if (!arg || !arg2) fail(USAGE);
      return withContext(async (ctx) => {
        const withdrawn = await ctx.consents.revoke(arg, arg2);
        const grants = await revokeClientGrantsOf(ctx, arg, arg2);
        if (!withdrawn && grants === 0) fail(`no consent of ${arg} for ${arg2} (and no grant to revoke)`, 1);
        out(
          `consent of ${arg} for ${arg2} withdrawn; ${grants} grant(s) revoked (refresh tokens and their access tokens)`,
        );
      });
    case 'keys list':
      return withContext(async (ctx) => {
        await ctx.keys.reload(); // promotes a `next` key whose publication delay is over, like every node does
        out(await ctx.keys.list());
      });
    case 'keys rotate':
      return withContext(async (ctx) => {
        const { kid, activeFrom } = await ctx.keys.rotate();
        // Published at once; each node signs with it from its first key reload after active_from.
        out({ kid, status: 'next', active_from: activeFrom.toISOString() });
      });
    default:
      fail(`unknown command: ${positionals.join(' ')}\n${USAGE}`);
  }
}

await main(process.argv.slice(2)).catch((err: unknown) => {
  // A configuration problem found while a command runs (not only by loadConfig): its message, no stack.
  if (err instanceof ConfigError) fail(err.message, 78);
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
