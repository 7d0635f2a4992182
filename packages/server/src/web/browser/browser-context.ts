import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../../infra/store/index.js';
import type { UserService } from '../../service/accounts/users.js';
import { createSession, endSession, getSession, type Session } from '../../service/sessions/sessions.js';
import { csrfToken, csrfTokenValid } from '../../service/sign-in/csrf.js';
import { issuerPath } from '../issuer-path.js';
import { PAGE_HEADERS } from '../pages/index.js';

/** What the browser-facing handlers (authorize, logout, device) share: cookies, CSRF, sessions, HTML. */
export interface BrowserContext {
  /** Sends a server-rendered page with the security headers every page needs. */
  html(reply: FastifyReply, status: number, body: string): FastifyReply;
  /** The signed-in session named by the session cookie, if it is still live. */
  session(req: FastifyRequest): Promise<Session | undefined>;
  /** Starts a session for a user who just signed in and sets its cookie, ending the one it replaces. */
  startSession(req: FastifyRequest, reply: FastifyReply, userId: string): Promise<Session>;
  /** Ends the server-side session (so a kept cookie is useless) and clears the cookie. */
  endSession(req: FastifyRequest, reply: FastifyReply): Promise<void>;
  /**
   * The CSRF token for this browser's forms (creating the binding cookie when needed); with `purpose`, one
   * that only a form rendered for that purpose carries (see csrf.ts).
   */
  csrf(req: FastifyRequest, reply: FastifyReply, purpose?: string): string;
  /** Whether a submitted CSRF token matches this browser's binding cookie (and the purpose, if given). */
  csrfValid(req: FastifyRequest, token: string | undefined, purpose?: string): boolean;
}

/** The two cookies' names, and the attributes that go with them. */
interface CookieScheme {
  session: string;
  csrf: string;
  path: string;
  secure: boolean;
}

/**
 * On an https issuer the cookies are `__Host-` cookies (RFC 6265bis §4.1.3.2): a browser accepts them only
 * Secure, without Domain and with Path=/, so neither a sibling subdomain nor a plain-http response can set or
 * overwrite them — which would plant the attacker's own session (login CSRF) or a CSRF binding whose token
 * they know. The prefix requires Path=/ even when the issuer has a path: worth more than keeping the cookies
 * from the host's other paths, which Path "cannot be relied upon" to do anyway (RFC 6265 §4.1.2.4). On http
 * (development; `__Host-` needs Secure) the names are plain and Path is the issuer's path.
 */
export function cookieScheme(issuer: string): CookieScheme {
  return issuer.startsWith('https:')
    ? { session: '__Host-gh_session', csrf: '__Host-gh_csrf', path: '/', secure: true }
    : { session: 'gh_session', csrf: 'gh_csrf', path: issuerPath(issuer) || '/', secure: false };
}

export interface BrowserContextDependencies {
  store: Store;
  users: Pick<UserService, 'find'>;
  issuer: string;
  /** The `csrf` purpose key: CSRF tokens are HMACs under it. */
  csrfKey: Buffer;
}

/** Needs `@fastify/cookie` registered with the `cookies` purpose key (see web/app.ts). */
export function browserContext({
  store,
  users,
  issuer,
  csrfKey,
}: BrowserContextDependencies): BrowserContext {
  const { session: sessionCookie, csrf: csrfCookie, path, secure } = cookieScheme(issuer);
  // HttpOnly + SameSite=Lax: sent on top-level redirects from the sites (SSO), never to cross-site subrequests.
  const cookieOpts = { path, httpOnly: true, sameSite: 'lax' as const, secure, signed: true };

  const readSigned = (req: FastifyRequest, name: string): string | undefined => {
    const v = req.cookies[name];
    if (!v) return undefined;
    const u = req.unsignCookie(v);
    return u.valid && u.value !== null ? u.value : undefined;
  };

  return {
    html: (reply, status, body) => reply.code(status).headers(PAGE_HEADERS).send(body),
    async session(req) {
      const session = await getSession(store, readSigned(req, sessionCookie));
      if (session === undefined) return undefined;
      // A user deleted since signing in has no session any more (no SSO, no codes in their name).
      if ((await users.find(session.userId)) === undefined) {
        await endSession(store, session.sid);
        return undefined;
      }
      return session;
    },
    async startSession(req, reply, userId) {
      // The session the browser had ends on the server too, not only in the browser (its cookie is replaced):
      // a copy of the old cookie — the previous user's on a shared computer, say — must sign nobody in.
      await endSession(store, readSigned(req, sessionCookie));
      const session = await createSession(store, userId);
      reply.setCookie(sessionCookie, session.sid, cookieOpts);
      return session;
    },
    async endSession(req, reply) {
      await endSession(store, readSigned(req, sessionCookie));
      // With the attributes it was set with: a browser ignores a `__Host-` cookie without Secure, even to clear it.
      reply.clearCookie(sessionCookie, { path, secure });
    },
    csrf(req, reply, purpose) {
      // The binding: a random per-browser value in a signed HttpOnly cookie.
      let binding = readSigned(req, csrfCookie);
      if (!binding) {
        binding = crypto.randomUUID();
        reply.setCookie(csrfCookie, binding, cookieOpts);
      }
      return csrfToken(csrfKey, binding, purpose);
    },
    csrfValid: (req, token, purpose) => csrfTokenValid(csrfKey, readSigned(req, csrfCookie), token, purpose),
  };
}
