/**
 * Logging seam. The client never depends on a logging library: it calls a {@link Logger} shaped like
 * pino's (`logger.info(obj, msg)`), so a pino instance (or a child of one) can be passed as is.
 * Everything the client logs goes through {@link redact} first, see {@link safeLogger}.
 */

/** One logging method, pino-style: a structured object first, then an optional message. */
export type LogFn = (obj: unknown, msg?: string) => void;

/** The subset of pino's logger the client uses. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/** Replacement for every secret value. */
export const REDACTED = '[REDACTED]';

const noop: LogFn = () => {};

/** A logger that drops everything; the default when none is configured. */
export const noopLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** Secret keys, normalised (lower case, without `_` and `-`). */
const SECRET_KEYS = new Set([
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'token',
  'clientsecret',
  'code',
  'codeverifier',
  'devicecode',
  'assertion',
  'clientassertion',
  'password',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
]);

/** The same parameters as they appear in query strings, form bodies and JSON text. */
const SECRET_PARAMS = [
  'access_token',
  'accessToken',
  'refresh_token',
  'refreshToken',
  'id_token',
  'idToken',
  'token',
  'client_secret',
  'clientSecret',
  'code',
  'code_verifier',
  'codeVerifier',
  'device_code',
  'assertion',
  'client_assertion',
  'password',
].join('|');

/** `name=value` in a URL query, fragment or `application/x-www-form-urlencoded` body. */
const PARAM_RE = new RegExp(`(^|[?&#;\\s])(${SECRET_PARAMS})=[^&#;\\s"']*`, 'gi');
/** `"name": "value"` in JSON text (e.g. a logged response body). */
const JSON_RE = new RegExp(`("(?:${SECRET_PARAMS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
/**
 * `Bearer <token>` / `Basic <credentials>` anywhere in a string, in any letter case: auth schemes are
 * case-insensitive (RFC 9110 §11.1), and GitHub's `token_type` is `bearer`.
 */
const AUTH_RE = /\b(Bearer|Basic|DPoP)\s+[A-Za-z0-9\-._~+/]+=*/gi;

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** Scrubs secrets embedded in free text: query parameters, form fields, JSON members, auth schemes. */
export function redactString(text: string): string {
  return text
    .replace(PARAM_RE, (_m, sep: string, name: string) => `${sep}${name}=${REDACTED}`)
    .replace(JSON_RE, (_m, head: string) => `${head}"${REDACTED}"`)
    .replace(AUTH_RE, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}

/**
 * Deep-copies a log object, replacing the value of every secret key (tokens, client secrets,
 * authorization codes, PKCE verifiers, assertions, passwords, `Authorization` headers, any `token`
 * field) with `'[REDACTED]'`, and scrubbing such parameters inside strings (URL query strings, form
 * bodies, JSON text). Errors become plain objects (`type`, `message`, `stack`, own fields, `cause`).
 * A string `code` on an Error is kept: it is an error code. Cycles are cut with `'[Circular]'`. The input is never modified.
 */
export function redact<T>(value: T): T {
  return copy(value, new WeakSet()) as T;
}

function copy(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (value instanceof Date) return new Date(value.getTime());
  if (value instanceof URL) return redactString(value.href);
  if (value instanceof URLSearchParams) return redactString(value.toString());
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[Binary]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => copy(v, seen));
    if (value instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value) out[String(k)] = isSecretKey(String(k)) ? REDACTED : copy(v, seen);
      return out;
    }
    if (typeof Headers !== 'undefined' && value instanceof Headers) {
      const out: Record<string, unknown> = {};
      value.forEach((v, k) => {
        out[k] = isSecretKey(k) ? REDACTED : redactString(v);
      });
      return out;
    }
    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      out.type = value.name;
      out.message = redactString(value.message);
      if (value.stack !== undefined) out.stack = redactString(value.stack);
      if (value.cause !== undefined) out.cause = copy(value.cause, seen);
    }
    const isError = value instanceof Error;
    for (const [k, v] of Object.entries(value)) {
      // On errors `code` is an error code (`invalid_grant`), not an authorization code.
      const secret = isSecretKey(k) && !(isError && k === 'code' && typeof v === 'string');
      out[k] = secret && v !== undefined && v !== null ? REDACTED : copy(v, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/**
 * Wraps a logger so that every call goes through {@link redact}: the object argument is deep-copied
 * with secrets replaced, and the message is scrubbed as text. A missing logger gives {@link noopLogger}.
 * Wrapping an already wrapped logger returns it unchanged.
 */
export function safeLogger(logger: Logger | undefined): Logger {
  if (logger === undefined || logger === noopLogger) return noopLogger;
  if (wrapped.has(logger)) return logger;
  const wrap =
    (level: keyof Logger): LogFn =>
    (obj, msg) => {
      try {
        if (msg === undefined) logger[level](redact(obj));
        else logger[level](redact(obj), redactString(msg));
      } catch {
        // A broken logger must never break an OAuth flow.
      }
    };
  const safe: Logger = { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
  wrapped.add(safe);
  return safe;
}

const wrapped = new WeakSet<Logger>();
