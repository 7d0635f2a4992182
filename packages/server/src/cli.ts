#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AppConfig, ConfigError, clientSchema, loadConfig } from './config/index.js';
import { createLogger } from './infra/logger.js';
import { GrantRepo } from './repo/grants.js';
import { type AppContext, createContext } from './state/index.js';
import { buildApp } from './web/router.js';

const USAGE = `usage: gatehouse <command>
  serve                                   run the server (default)
  migrate                                 apply database migrations and exit
  clients create <id> [--scope s]... [--grant g]... [--auth-method m] [--redirect-uri u]...
                 [--name display-name] [--post-logout-redirect-uri u]...
                 [--jwks-uri url | --jwks-file jwks.json]   (private_key_jwt)
  clients list | delete <id> | rotate-secret <id>
  users create <username> --password p [--email e] [--name n]
  users set-password <username> --password p
  keys list | rotate
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function config(): AppConfig {
  const logger = createLogger(process.env['LOG_LEVEL'] ?? 'info');
  try {
    return loadConfig({ warn: (m) => logger.warn(m) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 78);
    throw err;
  }
}

async function withContext(fn: (ctx: AppContext) => Promise<void>, seed = false): Promise<void> {
  const ctx = await createContext(config(), { seed });
  try {
    await fn(ctx);
  } finally {
    await ctx.close();
  }
}

const PURGE_INTERVAL_MS = 10 * 60_000;

async function serve(): Promise<void> {
  const cfg = config();
  const ctx = await createContext(cfg, { defaultMetrics: true });
  const app = await buildApp(ctx, { logger: true });
  // Pick up keys rotated by another node (or `gatehouse keys rotate`) for the JWKS and for signing.
  const reload = setInterval(() => {
    ctx.keys.reload().catch((err: unknown) => ctx.logger.warn({ err }, 'signing key reload failed'));
  }, 60_000);
  reload.unref();
  // Single-use markers outlive what they guard only until their expiry; keep the table small.
  const grants = new GrantRepo(ctx.database.db);
  const purge = setInterval(() => {
    grants
      .purgeExpired(Math.floor(Date.now() / 1000))
      .catch((err: unknown) => ctx.logger.warn({ err }, 'purging expired single-use markers failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();
  const shutdown = async () => {
    clearInterval(reload);
    clearInterval(purge);
    await app.close();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await app.listen({ host: cfg.server.host, port: cfg.server.port });
}

const out = (v: unknown): void => {
  process.stdout.write(`${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}\n`);
};

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scope: { type: 'string', multiple: true },
      grant: { type: 'string', multiple: true },
      'auth-method': { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'jwks-uri': { type: 'string' },
      'jwks-file': { type: 'string' },
      password: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd = 'serve', sub, arg] = positionals;
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
      if (!parsed.success) {
        fail(parsed.error.issues.map((i) => `${i.path.join('.') || 'client'}: ${i.message}`).join('\n'));
      }
      const { client_secret: _placeholder, ...seed } = parsed.data;
      return withContext(async (ctx) => {
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
        const secret = await ctx.clients.rotateSecret(arg);
        if (secret === undefined) fail(`no such client: ${arg}`, 1);
        out({ client_id: arg, client_secret: secret });
      });
    case 'users create':
      if (!arg || !values.password) fail(USAGE);
      return withContext(async (ctx) => {
        await ctx.users.upsert({
          username: arg,
          password: values.password!,
          ...(values.email ? { email: values.email } : {}),
          ...(values.name ? { name: values.name } : {}),
        });
        out(`user ${arg} saved`);
      });
    case 'users set-password':
      if (!arg || !values.password) fail(USAGE);
      return withContext(async (ctx) => {
        if (!(await ctx.users.setPassword(arg, values.password!))) fail(`no such user: ${arg}`, 1);
        out(`password updated for ${arg}`);
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
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
