import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type AuthRequest,
  PageError,
  RedirectError,
  resolveClient,
  sessionSatisfies,
  validateAuthorizationRequest,
} from '../../service/authorization-request.js';
import { needsConsent, rememberConsent } from '../../service/consent.js';
import { csrfToken, csrfTokenValid } from '../../service/csrf.js';
import { issueAuthorizationCode } from '../../service/grants/authorization-code.js';
import { decideDeviceRequest, startDeviceAuthorization } from '../../service/grants/device-code.js';
import { login } from '../../service/login.js';
import { logoutRedirectAllowed, verifyIdTokenHint } from '../../service/logout.js';
import { createSession, endSession, getSession, type Session } from '../../service/sessions.js';
import { userinfo as userinfoClaims } from '../../service/userinfo.js';
import type { AppContext } from '../../state/index.js';
import {
  consentPage,
  devicePage,
  errorPage,
  loginPage,
  logoutPage,
  messagePage,
  PAGE_CSP,
} from '../pages/index.js';

const AUTHORIZE_PATH = '/api/oauth/authorize';
const SESSION_COOKIE = 'gh_session';
const CSRF_COOKIE = 'gh_csrf';
/** Form fields that are part of the page, not of the authorization request. */
const FORM_ONLY = new Set(['username', 'password', 'csrf_token', 'consent']);

type Params = Record<string, string | undefined>;

function readParams(raw: unknown): { params: Params; repeated: string[] } {
  const params: Params = {};
  const repeated: string[] = [];
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(v)) repeated.push(k);
    else if (typeof v === 'string') params[k] = v;
  }
  return { params, repeated };
}

export function authorizeRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const issuer = ctx.config.oauth.issuer;
    const secret = ctx.config.security.jwt_secret;
    const store = ctx.store;
    const secure = ctx.config.oauth.issuer.startsWith('https:');
    await app.register(cookie, { secret: ctx.config.security.jwt_secret });

    const cookieOpts = { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, signed: true };

    const readSigned = (req: FastifyRequest, name: string): string | undefined => {
      const v = req.cookies[name];
      if (!v) return undefined;
      const u = req.unsignCookie(v);
      return u.valid && u.value !== null ? u.value : undefined;
    };

    const html = (reply: FastifyReply, status: number, body: string) =>
      reply
        .code(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', PAGE_CSP)
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(body);

    /** CSRF binding: a random per-browser value in a signed HttpOnly cookie. */
    const csrfBinding = (req: FastifyRequest, reply: FastifyReply): string => {
      let b = readSigned(req, CSRF_COOKIE);
      if (!b) {
        b = crypto.randomUUID();
        reply.setCookie(CSRF_COOKIE, b, cookieOpts);
      }
      return b;
    };

    const redirect = (
      reply: FastifyReply,
      method: string,
      uri: string,
      values: Record<string, string | undefined>,
    ) => {
      const url = new URL(uri);
      for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
      url.searchParams.set('iss', issuer);
      return reply
        .header('cache-control', 'no-store')
        .redirect(url.toString(), method === 'POST' ? 303 : 302);
    };

    const requestFields = (params: Params): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(params)) if (v !== undefined && !FORM_ONLY.has(k)) out[k] = v;
      return out;
    };

    const finish = async (
      req: FastifyRequest,
      reply: FastifyReply,
      ar: AuthRequest,
      session: Session,
      params: Params,
      consentGiven: boolean,
    ) => {
      if (!consentGiven && (await needsConsent(store, ar, session))) {
        if (ar.prompt.includes('none')) {
          return redirect(reply, req.method, ar.redirectUri, { error: 'consent_required', state: ar.state });
        }
        return html(
          reply,
          200,
          consentPage({
            action: AUTHORIZE_PATH,
            clientName: ar.client.clientName ?? ar.client.clientId,
            scopes: ar.scopes,
            fields: requestFields(params),
            csrf: csrfToken(secret, csrfBinding(req, reply)),
          }),
        );
      }
      const code = await issueAuthorizationCode(ctx, ar, session);
      return redirect(reply, req.method, ar.redirectUri, { code, state: ar.state });
    };

    const handle = async (req: FastifyRequest, reply: FastifyReply, raw: unknown) => {
      const { params, repeated } = readParams(raw);
      let client: Awaited<ReturnType<typeof resolveClient>>;
      try {
        if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
          throw new PageError('Invalid request', 'client_id and redirect_uri must not be repeated.');
        }
        client = await resolveClient(ctx, params);
      } catch (err) {
        if (err instanceof PageError) return html(reply, 400, errorPage(err.title, err.detail));
        throw err;
      }
      let ar: AuthRequest;
      try {
        if (repeated.length > 0)
          throw new RedirectError('invalid_request', `repeated parameter: ${repeated[0]}`);
        ar = validateAuthorizationRequest(ctx, client.client, client.redirectUri, params);
      } catch (err) {
        if (err instanceof RedirectError) {
          return redirect(reply, req.method, client.redirectUri, {
            error: err.code,
            error_description: err.description,
            state: params['state'],
          });
        }
        throw err;
      }

      const isPost = req.method === 'POST';
      const csrfOk = isPost && csrfTokenValid(secret, readSigned(req, CSRF_COOKIE), params['csrf_token']);

      // Login form submission.
      if (isPost && params['username'] !== undefined) {
        const again = (status: number, error: string) =>
          html(
            reply,
            status,
            loginPage({
              action: AUTHORIZE_PATH,
              clientName: ar.client.clientName ?? ar.client.clientId,
              fields: requestFields(params),
              csrf: csrfToken(secret, csrfBinding(req, reply)),
              username: params['username'],
              error,
            }),
          );
        if (!csrfOk) return again(403, 'Your session expired. Please try again.');
        const result = await login(ctx, params['username'] ?? '', params['password'] ?? '', req.ip);
        if (!result.ok) {
          return result.locked
            ? again(429, 'Too many failed attempts. Please wait a few minutes and try again.')
            : again(401, 'Incorrect username or password.');
        }
        const session = await createSession(store, result.user.id);
        reply.setCookie(SESSION_COOKIE, session.sid, cookieOpts);
        return finish(req, reply, ar, session, params, false);
      }

      const session = await getSession(store, readSigned(req, SESSION_COOKIE));

      // Consent form submission.
      if (isPost && params['consent'] !== undefined && session) {
        if (!csrfOk)
          return html(reply, 403, errorPage('Request expired', 'Please start again from the application.'));
        if (params['consent'] !== 'approve') {
          return redirect(reply, req.method, ar.redirectUri, {
            error: 'access_denied',
            error_description: 'the user denied the request',
            state: ar.state,
          });
        }
        await rememberConsent(store, ar, session);
        return finish(req, reply, ar, session, params, true);
      }

      if (sessionSatisfies(ar, session)) {
        return finish(req, reply, ar, session, params, false);
      }
      if (ar.prompt.includes('none')) {
        return redirect(reply, req.method, ar.redirectUri, { error: 'login_required', state: ar.state });
      }
      return html(
        reply,
        200,
        loginPage({
          action: AUTHORIZE_PATH,
          clientName: ar.client.clientName ?? ar.client.clientId,
          fields: requestFields(params),
          csrf: csrfToken(secret, csrfBinding(req, reply)),
          username: ar.loginHint,
        }),
      );
    };

    const userinfo = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.header('cache-control', 'no-store');
      const auth = req.headers.authorization;
      let token: string | undefined;
      if (auth !== undefined && /^bearer /i.test(auth)) token = auth.slice(7).trim();
      else if (req.method === 'POST') {
        const v = (req.body as Record<string, unknown> | undefined)?.['access_token'];
        if (typeof v === 'string') token = v;
      }
      if (token === undefined) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="gatehouse"')
          .send({ error: 'invalid_token' });
      }
      const r = await userinfoClaims(ctx, token);
      if (!r.ok) {
        const status = r.error === 'insufficient_scope' ? 403 : 401;
        return reply
          .code(status)
          .header('www-authenticate', `Bearer realm="gatehouse", error="${r.error}"`)
          .send({ error: r.error });
      }
      return r.claims;
    };
    app.get('/api/oauth/userinfo', userinfo);
    app.post('/api/oauth/userinfo', userinfo);

    /** OIDC RP-Initiated Logout 1.0. */
    const logout = async (req: FastifyRequest, reply: FastifyReply) => {
      const { params } = readParams(req.method === 'POST' ? req.body : req.query);
      const hintRaw = params['id_token_hint'];
      const hint = hintRaw ? await verifyIdTokenHint(ctx, hintRaw) : undefined;
      if (hintRaw && !hint)
        return html(reply, 400, errorPage('Invalid logout request', 'The id_token_hint is not valid.'));
      const clientId = hint?.aud ?? params['client_id'];
      if (hint && params['client_id'] !== undefined && params['client_id'] !== hint.aud) {
        return html(
          reply,
          400,
          errorPage('Invalid logout request', 'client_id does not match the id_token_hint.'),
        );
      }
      const target = params['post_logout_redirect_uri'];
      if (
        target !== undefined &&
        (clientId === undefined || !(await logoutRedirectAllowed(ctx, clientId, target)))
      ) {
        return html(
          reply,
          400,
          errorPage('Invalid logout request', 'The post_logout_redirect_uri is not registered.'),
        );
      }
      const sid = readSigned(req, SESSION_COOKIE);
      const confirmed =
        hint !== undefined ||
        (req.method === 'POST' && csrfTokenValid(secret, readSigned(req, CSRF_COOKIE), params['csrf_token']));
      if (!confirmed) {
        const fields: Record<string, string> = {};
        for (const k of ['client_id', 'post_logout_redirect_uri', 'state']) {
          const v = params[k];
          if (v !== undefined) fields[k] = v;
        }
        return html(
          reply,
          200,
          logoutPage({
            action: '/api/oauth/logout',
            fields,
            csrf: csrfToken(secret, csrfBinding(req, reply)),
          }),
        );
      }
      await endSession(store, sid);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      if (target !== undefined) {
        const url = new URL(target);
        if (params['state'] !== undefined) url.searchParams.set('state', params['state']);
        return reply
          .header('cache-control', 'no-store')
          .redirect(url.toString(), req.method === 'POST' ? 303 : 302);
      }
      return html(reply, 200, messagePage('Signed out', 'You have been signed out.'));
    };
    app.get('/api/oauth/logout', logout);
    app.post('/api/oauth/logout', logout);

    app.post('/api/oauth/device_authorization', async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const client = await ctx.clients.authenticate(
        { authorization: req.headers.authorization, body },
        { allowPublic: true },
      );
      const scope = body['scope'];
      return startDeviceAuthorization(ctx, client, typeof scope === 'string' ? scope : undefined);
    });

    /** RFC 8628 §3.3 user interaction: enter (or confirm) the user code, sign in if needed, approve or deny. */
    const device = async (req: FastifyRequest, reply: FastifyReply) => {
      const { params } = readParams(req.method === 'POST' ? req.body : req.query);
      let session = await getSession(store, readSigned(req, SESSION_COOKIE));
      const userCode = params['user_code'];
      const page = (status: number, error?: string) =>
        html(
          reply,
          status,
          devicePage({
            action: '/api/oauth/device',
            csrf: csrfToken(secret, csrfBinding(req, reply)),
            userCode,
            clientName: undefined,
            loggedIn: session !== undefined,
            error,
          }),
        );
      if (req.method === 'GET') return page(200);
      if (!csrfTokenValid(secret, readSigned(req, CSRF_COOKIE), params['csrf_token'])) {
        return page(403, 'Your session expired. Please try again.');
      }
      if (!session) {
        const result = await login(ctx, params['username'] ?? '', params['password'] ?? '', req.ip);
        if (!result.ok) {
          return result.locked
            ? page(429, 'Too many failed attempts. Please wait a few minutes and try again.')
            : page(401, 'Incorrect username or password.');
        }
        session = await createSession(store, result.user.id);
        reply.setCookie(SESSION_COOKIE, session.sid, cookieOpts);
      }
      const approve = params['consent'] === 'approve';
      if (!userCode || !(await decideDeviceRequest(ctx, userCode, session, approve))) {
        return page(400, 'That code is not valid or has expired.');
      }
      return html(
        reply,
        200,
        messagePage(
          approve ? 'Device connected' : 'Request denied',
          approve ? 'You can return to your device.' : 'The device was not given access.',
        ),
      );
    };
    app.get('/api/oauth/device', device);
    app.post('/api/oauth/device', device);

    app.get(AUTHORIZE_PATH, async (req, reply) => handle(req, reply, req.query));
    app.post(AUTHORIZE_PATH, async (req, reply) => handle(req, reply, req.body));
  };
}
