import { isIP } from 'node:net';
import { z } from 'zod';
import { envBoolean } from './values.js';

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

/** A DNS name (RFC 1123 §2.1 labels), as `server.host` and the default issuer use it. */
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * `server.host`, the address to listen on. An IPv6 address may be written bracketed, as in a URL (`[::1]`,
 * the way `SERVER_ADDR` takes it), and is stored bare, as `listen` wants it.
 */
export const hostSchema = z
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
 * limit, the login throttle and the logs. `false`: the TCP peer. `true` trusts every peer, so only for a
 * server that nothing but the proxy can reach; prefer the proxy's addresses or a hop count.
 */
export const trustProxySchema = z.preprocess(
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
