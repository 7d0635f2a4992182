import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { isIP } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GRANT_TYPES_SUPPORTED, isResourceIndicator, MAX_USERNAME_LENGTH } from '../domain/index.js';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

/** JWK members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const publicJwkSchema = z
  .looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']), kid: z.string().min(1).optional() })
  .refine((k) => PRIVATE_JWK_MEMBERS.every((m) => !(m in k)), {
    message: 'must be a public key (private key members such as "d" are not allowed)',
  });

/** A jwks_uri is fetched by the server: https, or http on the loopback interface (development, tests). */
const jwksUriSchema = z
  .url()
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(u), {
    message: 'must be an https:// URL (http:// only for localhost)',
  });

/**
 * A whole number. Environment values are strings: only digits are accepted (no blank, sign, `0x…`, `8e3`,
 * decimals or spaces) before they become numbers; file values must be numbers already.
 */
function wholeNumber(constrain: (n: z.ZodNumber) => z.ZodNumber) {
  const number = z
    .number({
      error: (i) => (typeof i.input === 'string' ? 'must be a whole number (digits only)' : undefined),
    })
    .int({ error: 'must be a whole number' });
  return z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), constrain(number));
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1, as `URL.hostname` spells them. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '[::1]' ||
    h === '::1' ||
    (isIP(h) === 4 && h.startsWith('127.'))
  );
}

/** `v` as a URL, or undefined after reporting `message` when it is not an absolute URL. */
function parseUrl(v: string, ctx: z.RefinementCtx, message: string): URL | undefined {
  try {
    return new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message });
    return undefined;
  }
}

/**
 * RFC 8414 §2 / OpenID Connect Discovery §2: the issuer is an https URL without query or fragment (its
 * endpoints are built by appending paths to it). http is accepted here; loadConfig refuses it when
 * NODE_ENV=production unless the host is loopback.
 */
const issuerSchema = z.string().superRefine((v, ctx) => {
  const url = parseUrl(v, ctx, 'must be an absolute https:// URL');
  if (url === undefined) return;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    ctx.addIssue({ code: 'custom', message: `must be an https:// URL (got ${url.protocol})` });
  } else if (!v.toLowerCase().startsWith(`${url.protocol}//`) || /\s/.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute https:// URL' });
  } else if (v.includes('?') || v.includes('#')) {
    ctx.addIssue({ code: 'custom', message: 'must not have a query (?) or fragment (#) component' });
  } else if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'must not contain user credentials' });
  } else if (!issuerPathIsPlain(v, url)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'its path may only contain letters, digits, "-", ".", "_" and "~" between slashes, without "." or ".." segments (every endpoint is served under it)',
    });
  }
});

/** Path segments of unreserved characters (RFC 3986 §2.3), none of them `.` or `..`. */
const PLAIN_PATH = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~-]+)*$/;

/**
 * Whether the issuer's path, as written, is one the server can serve every endpoint under unchanged (a Fastify
 * route prefix, a form action, a cookie Path): no percent-encoding, and nothing the URL parser would rewrite
 * (dot segments, `\`), since the issuer is compared as a string (`iss`, RFC 9207) while routing sees the
 * parsed path.
 */
function issuerPathIsPlain(written: string, url: URL): boolean {
  const path = written.replace(/\/+$/, '').replace(/^[a-z]+:\/\/[^/]*/i, '');
  return PLAIN_PATH.test(path) && path === url.pathname.replace(/\/+$/, '');
}

/** Schemes a browser would run or render itself instead of navigating to a client. */
const FORBIDDEN_REDIRECT_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:']);

/**
 * RFC 6749 §3.1.2 / OAuth 2.1 §2.3: an absolute URI without a fragment. https, http on the loopback
 * interface only, and the private-use schemes of native apps (`com.example.app:/cb`, RFC 8252 §7.1) are
 * accepted; schemes that execute or render content are not.
 */
const redirectUriSchema = z.string().superRefine((v, ctx) => {
  const url = parseUrl(v, ctx, 'must be an absolute URI');
  if (url === undefined) return;
  // Compared byte for byte at /authorize and /logout: no spaces/control characters that URL() would drop.
  if (/\s/.test(v) || [...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    ctx.addIssue({ code: 'custom', message: 'must not contain spaces or control characters' });
  } else if (FORBIDDEN_REDIRECT_SCHEMES.has(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: `the ${url.protocol} scheme is not allowed` });
  } else if (v.includes('#')) {
    ctx.addIssue({ code: 'custom', message: 'must not have a fragment (#) component' });
  } else if ((url.protocol === 'https:' || url.protocol === 'http:') && !/^https?:\/\/[^/?#]/i.test(v)) {
    ctx.addIssue({ code: 'custom', message: `must be ${url.protocol}//host/…` });
  } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    // RFC 9700 §4.1.1 / OAuth 2.1 §1.5: the code travels in this URL; in clear text anyone on the path can
    // take it. Plain http is only for the loopback interface of native apps and local development
    // (RFC 8252 §7.3, §8.3).
    ctx.addIssue({
      code: 'custom',
      message: 'must use https (http only for the loopback interface: 127.0.0.1, [::1], localhost)',
    });
  }
});

const secretMethod = (m: string) => m === 'client_secret_basic' || m === 'client_secret_post';

export const clientSchema = z
  .strictObject({
    client_id: z.string().min(1),
    client_secret: z.string().min(1).optional(),
    token_endpoint_auth_method: z.enum(AUTH_METHODS).default('client_secret_basic'),
    grant_types: z.array(z.enum(GRANT_TYPES_SUPPORTED)).default(['client_credentials']),
    scopes: z.array(z.string().min(1)).default([]),
    redirect_uris: z.array(redirectUriSchema).default([]),
    /** Confidential clients only: false lets them omit PKCE (public clients always need S256). Default true. */
    require_pkce: z.boolean().optional(),
    /** First-party clients: never show the consent page. Default false. */
    skip_consent: z.boolean().optional(),
    /** Shown on the login and consent pages instead of the client_id. */
    client_name: z.string().trim().min(1).max(200).optional(),
    /** RP-Initiated Logout 1.0 §3: where a logout may redirect back to (redirect_uris are not used). */
    post_logout_redirect_uris: z.array(redirectUriSchema).default([]),
    /** private_key_jwt: the client's public keys inline (RFC 7517 §5) … */
    jwks: z.object({ keys: z.array(publicJwkSchema).min(1) }).optional(),
    /** … or the URL the server fetches them from. */
    jwks_uri: jwksUriSchema.optional(),
    /** RFC 8707: the resource indicators this client may ask tokens for (client credentials). */
    resources: z
      .array(
        z.string().refine(isResourceIndicator, { message: 'must be an absolute URI without a fragment' }),
      )
      .default([]),
  })
  .refine((c) => !secretMethod(c.token_endpoint_auth_method) || c.client_secret !== undefined, {
    message: 'client_secret is required for client_secret_basic / client_secret_post',
    path: ['client_secret'],
  })
  .refine((c) => secretMethod(c.token_endpoint_auth_method) || c.client_secret === undefined, {
    message: 'client_secret is only allowed for client_secret_basic / client_secret_post',
    path: ['client_secret'],
  })
  .refine(
    (c) =>
      c.token_endpoint_auth_method === 'private_key_jwt'
        ? (c.jwks === undefined) !== (c.jwks_uri === undefined)
        : c.jwks === undefined && c.jwks_uri === undefined,
    {
      message: 'private_key_jwt needs exactly one of jwks / jwks_uri (and other methods neither)',
      path: ['jwks'],
    },
  );

export const userSchema = z.strictObject({
  // The sign-in form refuses longer usernames without a lookup (service/login.ts): such a user could never sign in.
  username: z.string().min(1).max(MAX_USERNAME_LENGTH),
  password: z.string().min(8),
  email: z.email().optional(),
  name: z.string().optional(),
});

/** Environment values are strings: accept the usual spellings of a boolean. */
function envBoolean(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}

/** proxy-addr's names for address ranges (what Fastify's `trustProxy` accepts besides addresses). */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or one of proxy-addr's range names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [addr = '', prefix, ...rest] = entry.split('/');
  const family = isIP(addr);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * `server.trust_proxy` from a file (boolean, hop count, list) or the environment (a string): `true`/`false`,
 * a hop count, or comma-separated addresses/ranges.
 */
function parseTrustProxy(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const asBoolean = envBoolean(s);
  if (typeof asBoolean === 'boolean') return asBoolean;
  return s
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * Which peers may set `X-Forwarded-For` (Fastify `trustProxy`): the client address used by the per-IP rate
 * limit, the login throttle and the logs. `false` (default): the TCP peer. `true` trusts every peer, so only
 * for a server that nothing but the proxy can reach; prefer the proxy's addresses or a hop count.
 */
const trustProxySchema = z.preprocess(
  parseTrustProxy,
  z.union([
    z.boolean(),
    z.number().int().min(1, 'a hop count must be at least 1').max(32),
    z
      .array(
        z.string().refine(isProxyAddress, {
          message: 'must be an IP address, a CIDR range or loopback/linklocal/uniquelocal',
        }),
      )
      .min(1),
  ]),
);

/** High enough that a normal deployment, `npm start` and the test suite never meet them. */
export const RATE_LIMIT_DEFAULTS = { enabled: true, per_ip_per_minute: 3000, per_client_per_minute: 6000 };

/** Reports every repeated value of `key` in `list` at the later entry, naming the first. */
function refuseDuplicates(list: unknown, section: string, key: string, ctx: z.RefinementCtx): void {
  if (!Array.isArray(list)) return;
  const seen = new Map<unknown, number>();
  list.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) return;
    const value = (entry as Record<string, unknown>)[key];
    if (typeof value !== 'string') return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else {
      ctx.addIssue({
        code: 'custom',
        path: [section, i, key],
        message: `duplicate ${key} "${value}" (already ${section}.${first})`,
      });
    }
  });
}

/**
 * The address to listen on. An IPv6 address may be written bracketed, as in a URL (`[::1]`, the way
 * `SERVER_ADDR` takes it), and is stored bare, as `listen` wants it.
 */
const DAY_SECS = 24 * 3600;
const MAX_ACCESS_TOKEN_TTL_SECS = 7 * DAY_SECS;
const MAX_REFRESH_TOKEN_TTL_SECS = 400 * DAY_SECS;
const MAX_KEY_PUBLISH_DELAY_SECS = 7 * DAY_SECS;

/** A DNS name (RFC 1123 labels), as `server.host` and the default issuer use it. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

const hostSchema = z
  .string()
  .min(1)
  .transform((host, ctx) => {
    const bracketed = /^\[(.*)\]$/.exec(host);
    if (bracketed === null) {
      // The default issuer is built from it (`http://<host>:<port>`): a port, a space or a path here would
      // make that URL invalid or point elsewhere.
      if (isIP(host) === 0 && !HOST_NAME.test(host)) {
        ctx.addIssue({ code: 'custom', message: 'must be a host name or an IP address (no port, no path)' });
        return z.NEVER;
      }
      return host;
    }
    if (isIP(bracketed[1]!) !== 6) {
      ctx.addIssue({ code: 'custom', message: 'brackets are only for an IPv6 address, e.g. [::1]' });
      return z.NEVER;
    }
    return bracketed[1]!;
  });

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: hostSchema.default('127.0.0.1'),
        port: wholeNumber((n) => n.min(0).max(65535)).default(1314),
        trust_proxy: trustProxySchema.default(false),
      })
      .default({ host: '127.0.0.1', port: 1314, trust_proxy: false }),
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    database: z
      .strictObject({
        /** postgres://… for PostgreSQL; `memory://` or `pglite:<dir>` for embedded PGlite; unset → PGlite in data_dir. */
        url: z
          .string()
          .refine(
            (u) => /^(postgres(ql)?:\/\/|memory:\/\/|pglite:)/.test(u),
            'must start with postgres://, postgresql://, memory:// or pglite:',
          )
          .optional(),
      })
      .default({}),
    redis: z
      .strictObject({
        url: z
          .string()
          .refine((u) => /^rediss?:\/\//.test(u), 'must start with redis:// or rediss://')
          .optional(),
      })
      .default({}),
    security: z
      .strictObject({ jwt_secret: z.string().min(32, 'must be at least 32 characters').optional() })
      .default({}),
    oauth: z
      .strictObject({
        issuer: issuerSchema.optional(),
        // Upper bounds: lifetimes far past any sane setting would overflow the dates computed from them.
        access_token_ttl_secs: wholeNumber((n) => n.positive().max(MAX_ACCESS_TOKEN_TTL_SECS)).default(900),
        refresh_token_ttl_secs: wholeNumber((n) => n.positive().max(MAX_REFRESH_TOKEN_TTL_SECS)).default(
          30 * 24 * 3600,
        ),
        // OAuth 2.1 §4.1.2: short-lived codes; at most 10 minutes (RFC 6749 §4.1.2).
        authorization_code_ttl_secs: wholeNumber((n) => n.positive().max(600)).default(60),
        // A rotated-in key is published this long before it signs (> node reload interval + JWKS caches).
        key_publish_delay_secs: wholeNumber((n) => n.min(0).max(MAX_KEY_PUBLISH_DELAY_SECS)).default(300),
        scopes_supported: z
          .array(z.string().min(1))
          .default(['openid', 'profile', 'email', 'offline_access']),
      })
      .default({
        access_token_ttl_secs: 900,
        refresh_token_ttl_secs: 30 * 24 * 3600,
        authorization_code_ttl_secs: 60,
        key_publish_delay_secs: 300,
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      }),
    /**
     * Fixed one-minute windows on the back-channel endpoints (token, introspection, revocation): per client
     * IP for every request, and per client for requests that authenticated with a client secret.
     */
    rate_limit: z
      .strictObject({
        enabled: z.preprocess(envBoolean, z.boolean()).default(true),
        per_ip_per_minute: wholeNumber((n) => n.positive()).default(RATE_LIMIT_DEFAULTS.per_ip_per_minute),
        per_client_per_minute: wholeNumber((n) => n.positive()).default(
          RATE_LIMIT_DEFAULTS.per_client_per_minute,
        ),
      })
      .default(RATE_LIMIT_DEFAULTS),
    clients: z.array(clientSchema).default([]),
    users: z.array(userSchema).default([]),
  })
  .superRefine((c, ctx) => {
    refuseDuplicates(c.clients, 'clients', 'client_id', ctx);
    refuseDuplicates(c.users, 'users', 'username', ctx);
  });

export type RawConfig = z.infer<typeof configSchema>;
export type ClientSeed = z.infer<typeof clientSchema>;
export type UserSeed = z.infer<typeof userSchema>;

export interface AppConfig extends Omit<RawConfig, 'oauth' | 'security'> {
  oauth: RawConfig['oauth'] & { issuer: string };
  security: { jwt_secret: string; jwt_secret_generated: boolean };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One line per problem, each naming the key's path; an unknown key is named itself (`server.prot`). */
export function formatIssues(error: z.ZodError, root = '(root)'): string[] {
  return error.issues.flatMap((i) => {
    const at = i.path.join('.');
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => `${at ? `${at}.` : ''}${k}: unknown key`);
    }
    return [`${at || root}: ${i.message}`];
  });
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as Tree;
  }
  node[path[path.length - 1]!] = value;
}

/**
 * A parse error's reason and position, without the excerpt of the file that the YAML and TOML parsers append
 * to their messages: the offending line may hold a secret (`jwt_secret: "…` with its quote missing), and this
 * message goes to stderr, i.e. to the logs.
 */
function parseErrorReason(err: unknown): string {
  const first = ((err as Error).message ?? String(err)).split('\n')[0]!.replace(/:\s*$/, '');
  const e = err as { linePos?: { line: number; col: number }[]; line?: number; column?: number };
  const line = e.linePos?.[0]?.line ?? e.line;
  const col = e.linePos?.[0]?.col ?? e.column;
  return line !== undefined && !/line \d+/.test(first) ? `${first} (line ${line}, column ${col})` : first;
}

function readConfigFile(path: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`APP_CONFIG: cannot read ${path}: ${(err as Error).message}`);
  }
  const ext = extname(path).toLowerCase();
  try {
    const parsed: unknown =
      ext === '.toml' ? parseToml(text) : ext === '.yaml' || ext === '.yml' ? parseYaml(text) : undefined;
    if (parsed === undefined && ext !== '.yaml' && ext !== '.yml') {
      throw new ConfigError(`APP_CONFIG: unsupported extension "${ext}" (use .yaml, .yml or .toml)`);
    }
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`APP_CONFIG: ${path} must contain a mapping at the top level`);
    }
    return parsed as Tree;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`APP_CONFIG: cannot parse ${path}: ${parseErrorReason(err)}`);
  }
}

/** Applies environment variables (both namespaced and classic spellings; namespaced wins). */
function applyEnv(tree: Tree, env: NodeJS.ProcessEnv): void {
  const pick = (...names: string[]): string | undefined => {
    for (const n of names) {
      const v = env[n];
      if (v !== undefined && v !== '') return v;
    }
    return undefined;
  };
  const addr = pick('SERVER_ADDR');
  if (addr !== undefined) {
    // host:port, [ipv6]:port; the port is digits only (an empty one is not port 0).
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(addr);
    if (m === null) {
      throw new ConfigError(`SERVER_ADDR: expected host:port or [ipv6]:port, got "${addr}"`);
    }
    setPath(tree, ['server', 'host'], m[1] ?? m[2]);
    setPath(tree, ['server', 'port'], m[3]);
  }
  const mapping: [string[], string[]][] = [
    [['server', 'host'], ['SERVER__HOST']],
    [['server', 'port'], ['SERVER__PORT']],
    [
      ['server', 'trust_proxy'],
      ['SERVER__TRUST_PROXY', 'TRUST_PROXY'],
    ],
    [
      ['database', 'url'],
      ['DATABASE__URL', 'DATABASE_URL'],
    ],
    [
      ['redis', 'url'],
      ['REDIS__URL', 'REDIS_URL'],
    ],
    [
      ['security', 'jwt_secret'],
      ['SECURITY__JWT_SECRET', 'JWT_SECRET'],
    ],
    [['oauth', 'issuer'], ['OAUTH__ISSUER']],
    [['oauth', 'access_token_ttl_secs'], ['OAUTH__ACCESS_TOKEN_TTL_SECS']],
    [['oauth', 'refresh_token_ttl_secs'], ['OAUTH__REFRESH_TOKEN_TTL_SECS']],
    [
      ['rate_limit', 'enabled'],
      ['RATE_LIMIT__ENABLED', 'RATE_LIMIT_ENABLED'],
    ],
    [
      ['rate_limit', 'per_ip_per_minute'],
      ['RATE_LIMIT__PER_IP_PER_MINUTE', 'RATE_LIMIT_PER_IP_PER_MINUTE'],
    ],
    [
      ['rate_limit', 'per_client_per_minute'],
      ['RATE_LIMIT__PER_CLIENT_PER_MINUTE', 'RATE_LIMIT_PER_CLIENT_PER_MINUTE'],
    ],
    [['oauth', 'authorization_code_ttl_secs'], ['OAUTH__AUTHORIZATION_CODE_TTL_SECS']],
    [['oauth', 'key_publish_delay_secs'], ['OAUTH__KEY_PUBLISH_DELAY_SECS']],
    [['data_dir'], ['DATA_DIR']],
    [['log_level'], ['LOG_LEVEL']],
  ];
  for (const [path, names] of mapping) {
    const v = pick(...names);
    if (v !== undefined) setPath(tree, path, v);
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra values merged after the file and before env (tests). */
  overrides?: Tree;
  warn?: (message: string) => void;
}

function deepMerge(a: Tree, b: Tree): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
    ) {
      out[k] = deepMerge(prev as Tree, v as Tree);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Loads defaults < APP_CONFIG file < overrides < env, validates, and resolves the JWT secret. */
export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? process.env;
  let tree: Tree = {};
  const file = env['APP_CONFIG'];
  if (file) tree = readConfigFile(file);
  if (options.overrides) tree = deepMerge(tree, options.overrides);
  applyEnv(tree, env);
  const result = configSchema.safeParse(tree);
  if (!result.success)
    throw new ConfigError(`invalid configuration:\n  ${formatIssues(result.error).join('\n  ')}`);
  const raw = result.data;
  const host = isIP(raw.server.host) === 6 ? `[${raw.server.host}]` : raw.server.host;
  const issuer = (raw.oauth.issuer ?? `http://${host}:${raw.server.port}`).replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  if (
    env['NODE_ENV'] === 'production' &&
    issuerUrl.protocol !== 'https:' &&
    !isLoopbackHost(issuerUrl.hostname)
  ) {
    throw new ConfigError(
      raw.oauth.issuer === undefined
        ? `oauth.issuer: required when NODE_ENV=production (the default ${issuer} is not https; set OAUTH__ISSUER to the public https:// URL)`
        : 'oauth.issuer: must be an https:// URL when NODE_ENV=production (http only for localhost)',
    );
  }
  let jwtSecret = raw.security.jwt_secret;
  let generated = false;
  if (jwtSecret === undefined) {
    if (env['NODE_ENV'] === 'production') {
      throw new ConfigError(
        'security.jwt_secret: required when NODE_ENV=production (set SECURITY__JWT_SECRET or JWT_SECRET)',
      );
    }
    jwtSecret = loadOrCreateSecret(raw.data_dir);
    generated = true;
    options.warn?.(
      `security.jwt_secret is not set: using a generated secret stored in ${join(resolve(raw.data_dir), 'jwt-secret')} (set SECURITY__JWT_SECRET in production)`,
    );
  }
  return {
    ...raw,
    oauth: { ...raw.oauth, issuer },
    security: { jwt_secret: jwtSecret, jwt_secret_generated: generated },
  };
}

/** The secret in an existing `<data_dir>/jwt-secret`; undefined when there is none. */
function readSecretFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`security.jwt_secret: cannot read ${path}: ${(err as Error).message}`);
  }
  const secret = text.trim();
  if (secret.length < 32) {
    // Never replaced silently: the signing keys are encrypted under the secret it held.
    throw new ConfigError(
      `security.jwt_secret: ${path} holds ${secret.length === 0 ? 'no secret (empty file)' : `only ${secret.length} characters`}, at least 32 are needed. ` +
        'Restore it, or delete it to generate a new one (signing keys encrypted under the old secret are then unreadable).',
    );
  }
  return secret;
}

/**
 * Reads `<data_dir>/jwt-secret`, or creates it atomically: the secret is written and synced to a private
 * temporary file (mode 0600) that is then hard-linked to the final name, which fails when the name exists.
 * A crash never leaves a partial file, and of two processes starting at once one wins; the other reads
 * the winner's secret.
 */
function loadOrCreateSecret(dataDir: string): string {
  const dir = resolve(dataDir);
  const path = join(dir, 'jwt-secret');
  const existing = readSecretFile(path);
  if (existing !== undefined) return existing;
  const secret = randomBytes(48).toString('base64url');
  const tmp = join(dir, `.jwt-secret.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${secret}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      const winner = readSecretFile(path);
      if (winner !== undefined) return winner;
    }
    throw new ConfigError(`security.jwt_secret: cannot create ${path}: ${(err as Error).message}`);
  } finally {
    rmSync(tmp, { force: true });
  }
}
