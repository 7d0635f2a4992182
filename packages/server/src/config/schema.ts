import { z } from 'zod';
import { GRANT_TYPES_SUPPORTED, isResourceIndicator, MAX_USERNAME_LENGTH } from '../domain/index.js';
import { hostSchema, trustProxySchema } from './network.js';
import { sentinelsSchema } from './sentinels.js';
import { issuerSchema, jwksUriSchema, redirectUriSchema } from './uri.js';
import { envBoolean, wholeNumber } from './values.js';

/*
 * The configuration's keys, their validation and their defaults. Each default is stated here, on its key;
 * a section's `prefault({})` runs an absent section through its own schema, so it gets the same defaults.
 */

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

/** JWK members that only private (or symmetric) keys have (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const publicJwkSchema = z
  .looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']), kid: z.string().min(1).optional() })
  .refine((k) => PRIVATE_JWK_MEMBERS.every((m) => !(m in k)), {
    message: 'must be a public key (private key members such as "d" are not allowed)',
  });

const secretMethod = (m: string) => m === 'client_secret_basic' || m === 'client_secret_post';

/**
 * RFC 6749 §10.10: a client secret must be hard to guess; 32 characters is the floor here (the
 * secrets `gatehouse clients create` generates are 43 base64url characters, 256 bits).
 */
export const MIN_CLIENT_SECRET_LENGTH = 32;

/** A client as the config file lists it, and as `gatehouse clients create` validates its arguments. */
export const clientSchema = z
  .strictObject({
    client_id: z.string().min(1),
    /** Stored as its SHA-256 digest; at least MIN_CLIENT_SECRET_LENGTH characters. */
    client_secret: z.string().optional(),
    /** Instead of client_secret: the digest as stored, `sha256:<base64url>`, so the file need not hold the secret. */
    client_secret_hash: z
      .string()
      .regex(/^sha256:[A-Za-z0-9_-]{43}$/, 'must be sha256: followed by 43 base64url characters')
      .optional(),
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
  .superRefine(checkClientSecret)
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

/**
 * client_secret_basic / client_secret_post need exactly one of client_secret (long enough) and
 * client_secret_hash; the other methods neither. Messages name the client, never the secret.
 */
function checkClientSecret(
  c: {
    client_id: string;
    token_endpoint_auth_method: string;
    client_secret?: string | undefined;
    client_secret_hash?: string | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message: `client "${c.client_id}": ${message}` });
  const plain = c.client_secret !== undefined;
  const hashed = c.client_secret_hash !== undefined;
  if (!secretMethod(c.token_endpoint_auth_method)) {
    const field = plain ? 'client_secret' : 'client_secret_hash';
    if (plain || hashed) {
      issue(field, `${field} is only allowed for client_secret_basic / client_secret_post`);
    }
  } else if (plain === hashed) {
    issue(
      'client_secret',
      `${c.token_endpoint_auth_method} needs exactly one of client_secret and client_secret_hash`,
    );
  } else if (plain && c.client_secret!.length < MIN_CLIENT_SECRET_LENGTH) {
    issue(
      'client_secret',
      `client_secret must be at least ${MIN_CLIENT_SECRET_LENGTH} characters (it has ${c.client_secret!.length}); ` +
        'use a generated one (gatehouse clients create prints one), or give client_secret_hash instead',
    );
  }
}

/** A user as the config file lists it, and as `gatehouse users create` validates its arguments. */
export const userSchema = z.strictObject({
  // The sign-in form refuses longer usernames without a lookup: such a user could never sign in.
  username: z.string().min(1).max(MAX_USERNAME_LENGTH),
  password: z.string().min(8),
  email: z.email().optional(),
  name: z.string().optional(),
});

/** High enough that a normal deployment, `npm start` and the test suite never meet them. */
export const RATE_LIMIT_DEFAULTS = { enabled: true, per_ip_per_minute: 3000, per_client_per_minute: 6000 };

// Upper bounds: lifetimes far past any sane setting would overflow the dates computed from them.
const DAY_SECS = 24 * 3600;
const MAX_ACCESS_TOKEN_TTL_SECS = 7 * DAY_SECS;
const MAX_REFRESH_TOKEN_TTL_SECS = 400 * DAY_SECS;
const MAX_KEY_PUBLISH_DELAY_SECS = 7 * DAY_SECS;

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

/** Every section and entry is strict: a misspelt key is reported (`server.prot: unknown key`), never ignored. */
export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: hostSchema.default('127.0.0.1'),
        port: wholeNumber((n) => n.min(0).max(65535)).default(1314),
        trust_proxy: trustProxySchema.default(false),
        /**
         * How long a stop signal waits for requests in flight before their connections are closed: below the
         * orchestrator's own grace period (Kubernetes: 30 s), after which it kills the process.
         */
        shutdown_deadline_secs: wholeNumber((n) => n.min(1).max(300)).default(10),
      })
      .prefault({}),
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    database: z
      .strictObject({
        /**
         * postgres://… for PostgreSQL; `memory://` or `pglite:<dir>` for embedded PGlite; unset → PGlite in
         * data_dir.
         */
        url: z
          .string()
          .refine(
            (u) => /^(postgres(ql)?:\/\/|memory:\/\/|pglite:)/.test(u),
            'must start with postgres://, postgresql://, memory:// or pglite:',
          )
          .optional(),
      })
      .prefault({}),
    redis: z
      .strictObject({
        url: z
          .string()
          .refine((u) => /^rediss?:\/\//.test(u), 'must start with redis:// or rediss://')
          .optional(),
        /** Redis Sentinel: where to ask for the current primary (host:port each); with sentinel_name. */
        sentinels: sentinelsSchema.optional(),
        /** The primary's name as the sentinels monitor it. */
        sentinel_name: z.string().min(1).optional(),
        /**
         * Prepended to every key this server writes (store and rate-limit counters), so that several deployments
         * (or test runs) can share one Redis without reading each other's sessions, revocations or counters.
         */
        key_prefix: z
          .string()
          .regex(/^[A-Za-z0-9:._-]{1,64}$/, 'must be 1-64 letters, digits or : . _ -')
          .default('gatehouse:'),
      })
      .refine((r) => (r.sentinels === undefined) === (r.sentinel_name === undefined), {
        message: 'redis.sentinels and redis.sentinel_name are set together',
        path: ['sentinel_name'],
      })
      .prefault({}),
    /**
     * `/metrics`: with a port, on a listener of its own at host:port and not on the main one; without, on the
     * main port outside production and not served at all with NODE_ENV=production (app/metrics-listener.ts).
     */
    metrics: z
      .strictObject({
        host: hostSchema.default('127.0.0.1'),
        port: wholeNumber((n) => n.min(0).max(65535)).optional(),
        /** Scrapes must send `Authorization: Bearer <token>`: the token itself, or a file holding it. */
        bearer_token: z.string().min(16, 'must be at least 16 characters').optional(),
        bearer_token_file: z.string().min(1).optional(),
      })
      .refine((m) => m.bearer_token === undefined || m.bearer_token_file === undefined, {
        message: 'set one of metrics.bearer_token and metrics.bearer_token_file',
        path: ['bearer_token_file'],
      })
      .prefault({}),
    security: z
      .strictObject({ jwt_secret: z.string().min(32, 'must be at least 32 characters').optional() })
      .prefault({}),
    oauth: z
      .strictObject({
        /** Unset: `http://<server.host>:<server.port>` (loadConfig). */
        issuer: issuerSchema.optional(),
        access_token_ttl_secs: wholeNumber((n) => n.positive().max(MAX_ACCESS_TOKEN_TTL_SECS)).default(900),
        refresh_token_ttl_secs: wholeNumber((n) => n.positive().max(MAX_REFRESH_TOKEN_TTL_SECS)).default(
          30 * DAY_SECS,
        ),
        // 0 (off): within the grace a rotated refresh token is not reuse (RFC 9700 §4.14.2; rotation-grace.ts).
        refresh_token_reuse_grace_secs: wholeNumber((n) => n.min(0).max(60)).default(0),
        // OAuth 2.1 §4.1.2: short-lived codes; at most 10 minutes (RFC 6749 §4.1.2).
        authorization_code_ttl_secs: wholeNumber((n) => n.positive().max(600)).default(60),
        // A rotated-in key is published this long before it signs (> node reload interval + JWKS caches).
        key_publish_delay_secs: wholeNumber((n) => n.min(0).max(MAX_KEY_PUBLISH_DELAY_SECS)).default(300),
        scopes_supported: z
          .array(z.string().min(1))
          .default(['openid', 'profile', 'email', 'offline_access']),
      })
      .prefault({}),
    /**
     * Fixed one-minute windows on the back-channel endpoints (token, introspection, revocation, device
     * authorization): per client IP for every request, and per client for requests that authenticated with
     * a client secret.
     */
    rate_limit: z
      .strictObject({
        enabled: z.preprocess(envBoolean, z.boolean()).default(RATE_LIMIT_DEFAULTS.enabled),
        per_ip_per_minute: wholeNumber((n) => n.positive()).default(RATE_LIMIT_DEFAULTS.per_ip_per_minute),
        per_client_per_minute: wholeNumber((n) => n.positive()).default(
          RATE_LIMIT_DEFAULTS.per_client_per_minute,
        ),
      })
      .prefault({}),
    clients: z.array(clientSchema).default([]),
    users: z.array(userSchema).default([]),
  })
  .superRefine((c, ctx) => {
    refuseDuplicates(c.clients, 'clients', 'client_id', ctx);
    refuseDuplicates(c.users, 'users', 'username', ctx);
  });

/** The configuration before validation: the file's mapping, with overrides and environment values set in it. */
export type ConfigTree = Record<string, unknown>;

export type RawConfig = z.infer<typeof configSchema>;
export type ClientSeed = z.infer<typeof clientSchema>;
export type UserSeed = z.infer<typeof userSchema>;

/** The validated configuration with the issuer and the JWT secret resolved (loadConfig). */
export interface AppConfig extends Omit<RawConfig, 'oauth' | 'security'> {
  oauth: RawConfig['oauth'] & { issuer: string };
  security: { jwt_secret: string; jwt_secret_generated: boolean };
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
