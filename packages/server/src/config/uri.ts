import { z } from 'zod';
import { isLoopbackHost } from './network.js';

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
export const issuerSchema = z.string().superRefine((v, ctx) => {
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
export const redirectUriSchema = z.string().superRefine((v, ctx) => {
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

/** A jwks_uri is fetched by the server: https, or http on the loopback interface (development, tests). */
export const jwksUriSchema = z
  .url()
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(u), {
    message: 'must be an https:// URL (http only for localhost)',
  });
