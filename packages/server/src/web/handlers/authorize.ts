import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalidRequest, invalidTarget, OAuthError, type OAuthErrorCode } from '../../error/index.js';
import {
  AUTHORIZATION_PARAMETERS,
  type AuthorizationRequests,
  type AuthRequest,
  isHintedUser,
  sessionSatisfies,
} from '../../service/authorization/authorization-request.js';
import type { ConsentService } from '../../service/consent/consent.js';
import type { AuthorizationCodeGrant } from '../../service/grants/authorization-code.js';
import type { Session } from '../../service/sessions/sessions.js';
import { loginProof, loginProofValid } from '../../service/sign-in/login-proof.js';
import { LOCK_WINDOW_SECS, type PasswordSignIn } from '../../service/sign-in/password-sign-in.js';
import type { BrowserContext } from '../browser/browser-context.js';
import { acceptFormPostsOnly, type Params, readParams } from '../browser/params.js';
import { issuerPath } from '../issuer-path.js';
import { consentPage, errorPage, loginPage } from '../pages/index.js';

const AUTHORIZE_PATH = '/api/oauth/authorize';
/** Form fields that are part of the page, not of the authorization request. */
const FORM_ONLY = new Set(['username', 'password', 'csrf_token', 'consent', 'login_proof']);

/** The authorization request's own parameters, carried through the login and consent forms. */
function requestFields(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && !FORM_ONLY.has(k)) out[k] = v;
  return out;
}

/** Titles of the error page shown for a request whose client or redirect_uri cannot be trusted. */
const PAGE_TITLES: Partial<Record<OAuthErrorCode, string>> = {
  invalid_client: 'Unknown application',
  invalid_redirect_uri: 'Invalid redirect',
};

/** An error of the request itself, not of the server (a store outage stays a 503 for the error handler). */
const requestError = (err: unknown): err is OAuthError => err instanceof OAuthError && err.status < 500;

export interface AuthorizeDependencies {
  issuer: string;
  /** The `loginProof` purpose key. */
  loginProofKey: Buffer;
  requests: AuthorizationRequests;
  codes: Pick<AuthorizationCodeGrant, 'issueCode'>;
  consents: Pick<ConsentService, 'needsConsent' | 'remember'>;
  signIn: PasswordSignIn;
}

/** `GET/POST /api/oauth/authorize`: the authorization endpoint with its login and consent pages. */
export function authorizeRoutes(deps: AuthorizeDependencies, kit: BrowserContext) {
  const { issuer, loginProofKey, requests, codes, consents, signIn } = deps;
  return async (app: FastifyInstance): Promise<void> => {
    acceptFormPostsOnly(app);
    // The forms post back to this endpoint, which is served under the issuer's path (web/app.ts).
    const action = `${issuerPath(issuer)}${AUTHORIZE_PATH}`;

    /** Back to the client with `iss` (RFC 9207); 303 after a POST so the browser does not re-post. */
    const redirect = (reply: FastifyReply, method: string, uri: string, values: Params) => {
      const url = new URL(uri);
      for (const [k, v] of Object.entries(values)) if (v !== undefined) url.searchParams.set(k, v);
      url.searchParams.set('iss', issuer);
      return reply
        .header('cache-control', 'no-store')
        .redirect(url.toString(), method === 'POST' ? 303 : 302);
    };

    const showLogin = (
      req: FastifyRequest,
      reply: FastifyReply,
      ar: AuthRequest,
      params: Params,
      status = 200,
      error?: string,
    ) =>
      kit.html(
        reply,
        status,
        loginPage({
          action,
          clientName: ar.client.clientName ?? ar.client.clientId,
          fields: requestFields(params),
          csrf: kit.csrf(req, reply),
          username: error === undefined ? ar.loginHint : params['username'],
          ...(error !== undefined ? { error } : {}),
        }),
      );

    /** Signed in: ask for consent if needed, else issue the code. `freshLogin`: the password was just entered. */
    const finish = async (
      req: FastifyRequest,
      reply: FastifyReply,
      ar: AuthRequest,
      session: Session,
      params: Params,
      consentGiven: boolean,
      freshLogin = false,
    ) => {
      // OIDC Core §3.1.2.1: a user who signed in on this request's login page but is not the one id_token_hint
      // names gets the client an error, never a code for someone else.
      if (!isHintedUser(ar, session)) {
        return redirect(reply, req.method, ar.redirectUri, {
          error: 'login_required',
          error_description: 'the signed-in user is not the one named by id_token_hint',
          state: ar.state,
        });
      }
      if (!consentGiven && (await consents.needsConsent(ar, session))) {
        if (ar.prompt.includes('none')) {
          return redirect(reply, req.method, ar.redirectUri, { error: 'consent_required', state: ar.state });
        }
        return kit.html(
          reply,
          200,
          consentPage({
            action,
            clientName: ar.client.clientName ?? ar.client.clientId,
            scopes: ar.scopes,
            fields: {
              ...requestFields(params),
              ...(freshLogin ? { login_proof: loginProof(loginProofKey, session) } : {}),
            },
            csrf: kit.csrf(req, reply),
          }),
        );
      }
      const code = await codes.issueCode(ar, session);
      return redirect(reply, req.method, ar.redirectUri, { code, state: ar.state });
    };

    const handle = async (req: FastifyRequest, reply: FastifyReply, raw: unknown) => {
      const { params, repeated: repeatedAny } = readParams(raw);
      // A repeated parameter we do not know is ignored like any unknown one (RFC 6749 §3.1); one we know is an
      // error that names it, safely: its name is one of ours, never the requester's words.
      const repeated = repeatedAny.filter((n) => AUTHORIZATION_PARAMETERS.has(n) || FORM_ONLY.has(n));
      // Until the client and redirect_uri are trusted, errors are a page, never a redirect (RFC 6749 §4.1.2.1).
      let client: Awaited<ReturnType<AuthorizationRequests['resolveClient']>>;
      try {
        if (repeated.includes('client_id') || repeated.includes('redirect_uri')) {
          throw invalidRequest('client_id and redirect_uri must not be repeated.');
        }
        client = await requests.resolveClient(params);
      } catch (err) {
        if (!requestError(err)) throw err;
        return kit.html(reply, 400, errorPage(PAGE_TITLES[err.code] ?? 'Invalid request', err.description));
      }
      let ar: AuthRequest;
      try {
        if (repeated.length > 0) throw invalidRequest(`repeated parameter: ${repeated[0]}`);
        // RFC 8707 §2: resource indicators are honoured for client credentials only (the token endpoint
        // refuses them for the user grants too); a client naming a resource here is told so, not handed a
        // token for another audience than the one it asked for. Repeating it is allowed by §2, so both count.
        if (params['resource'] !== undefined || repeatedAny.includes('resource'))
          throw invalidTarget('resource is supported with the client_credentials grant only');
        ar = await requests.validate(client.client, client.redirectUri, params);
      } catch (err) {
        if (!requestError(err)) throw err;
        // RFC 6749 §4.1.2.1: the descriptions are fixed texts, never values from the request (the browser
        // carries them to the client, which may show them to the user).
        return redirect(reply, req.method, client.redirectUri, {
          error: err.code,
          error_description: err.description,
          state: params['state'],
        });
      }

      const isPost = req.method === 'POST';
      const csrfOk = isPost && kit.csrfValid(req, params['csrf_token']);

      // Login form submission.
      if (isPost && params['username'] !== undefined) {
        if (!csrfOk) return showLogin(req, reply, ar, params, 403, 'Your session expired. Please try again.');
        const result = await signIn.signIn(params['username'] ?? '', params['password'] ?? '', req.ip);
        if (!result.ok) {
          // RFC 6585 §4: a 429 may say when to retry; the fixed window ends within LOCK_WINDOW_SECS.
          if (result.locked) reply.header('retry-after', String(LOCK_WINDOW_SECS));
          return result.locked
            ? showLogin(
                req,
                reply,
                ar,
                params,
                429,
                'Too many failed attempts. Please wait a few minutes and try again.',
              )
            : showLogin(req, reply, ar, params, 401, 'Incorrect username or password.');
        }
        const session = await kit.startSession(req, reply, result.user.id);
        return finish(req, reply, ar, session, params, false, true);
      }

      // With an id_token_hint, another user's session is no session for this request: the login page asks the
      // hinted user to sign in, or prompt=none answers login_required (OIDC Core §3.1.2.1).
      const signedIn = await kit.session(req);
      const session = signedIn && isHintedUser(ar, signedIn) ? signedIn : undefined;

      // Consent form submission.
      if (isPost && params['consent'] !== undefined && session) {
        if (!csrfOk)
          return kit.html(
            reply,
            403,
            errorPage('Request expired', 'Please start again from the application.'),
          );
        // prompt=login / max_age: an approval only counts with the proof of the sign-in just made (OIDC Core
        // §3.1.2.1); without it, the user signs in first.
        if (
          !sessionSatisfies(ar, session) &&
          !loginProofValid(loginProofKey, session, params['login_proof'])
        ) {
          return showLogin(req, reply, ar, params);
        }
        if (params['consent'] !== 'approve') {
          return redirect(reply, req.method, ar.redirectUri, {
            error: 'access_denied',
            error_description: 'the user denied the request',
            state: ar.state,
          });
        }
        await consents.remember(ar, session);
        return finish(req, reply, ar, session, params, true);
      }

      // Single sign-on: an existing session (from any site) is enough unless prompt/max_age say otherwise.
      if (sessionSatisfies(ar, session)) return finish(req, reply, ar, session, params, false);
      if (ar.prompt.includes('none')) {
        return redirect(reply, req.method, ar.redirectUri, { error: 'login_required', state: ar.state });
      }
      return showLogin(req, reply, ar, params);
    };

    app.get(AUTHORIZE_PATH, async (req, reply) => handle(req, reply, req.query));
    app.post(AUTHORIZE_PATH, async (req, reply) => handle(req, reply, req.body));
  };
}
