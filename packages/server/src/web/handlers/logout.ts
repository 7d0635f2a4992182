import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientService } from '../../service/clients/clients.js';
import { hintMatchesSession, logoutRedirectAllowed } from '../../service/sessions/logout.js';
import type { IdTokenHints } from '../../service/tokens/id-token-hint.js';
import type { BrowserContext } from '../browser/browser-context.js';
import { acceptFormPostsOnly, readParams } from '../browser/params.js';
import { issuerPath } from '../issuer-path.js';
import { errorPage, logoutPage, messagePage } from '../pages/index.js';

const LOGOUT_PATH = '/api/oauth/logout';

/** `GET/POST /api/oauth/logout`: OpenID Connect RP-Initiated Logout 1.0 (`end_session_endpoint`). */
export interface LogoutDependencies {
  issuer: string;
  /** The `sessionId` purpose key (the ID token's `sid` is derived under it). */
  sessionIdKey: Buffer;
  idTokenHints: IdTokenHints;
  clients: Pick<ClientService, 'find'>;
}

export function logoutRoutes(deps: LogoutDependencies, kit: BrowserContext) {
  const { issuer, sessionIdKey, idTokenHints, clients } = deps;
  return async (app: FastifyInstance): Promise<void> => {
    acceptFormPostsOnly(app);
    // The confirmation form posts back here, under the issuer's path (web/app.ts).
    const action = `${issuerPath(issuer)}${LOGOUT_PATH}`;
    const invalid = (reply: FastifyReply, detail: string) =>
      kit.html(reply, 400, errorPage('Invalid logout request', detail));

    /** The CSRF-protected confirmation form; `fields` are what the confirmed POST is to act on. */
    const confirmationPage = (req: FastifyRequest, reply: FastifyReply, fields: Record<string, string>) =>
      kit.html(reply, 200, logoutPage({ action, fields, csrf: kit.csrf(req, reply) }));

    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const { params } = readParams(req.method === 'POST' ? req.body : req.query);
      const hintRaw = params['id_token_hint'];
      const hint = hintRaw ? await idTokenHints.verify(hintRaw) : undefined;
      if (hintRaw && !hint) {
        // An ID token signed by a key we no longer publish (a relying party's session outlived it) can no
        // longer be checked: the user is asked as if there were no hint, and since nothing about the
        // request was validated there is no post-logout redirection (§4), only our own "signed out" page.
        if (idTokenHints.namesUnknownKey(hintRaw)) return confirmationPage(req, reply, {});
        return invalid(reply, 'The id_token_hint is not valid.');
      }
      if (hint && params['client_id'] !== undefined && params['client_id'] !== hint.aud) {
        return invalid(reply, 'client_id does not match the id_token_hint.');
      }
      const clientId = hint?.aud ?? params['client_id'];
      const target = params['post_logout_redirect_uri'];
      // §3: only a URI registered for the client, compared exactly (no open redirect).
      if (
        target !== undefined &&
        (clientId === undefined || !(await logoutRedirectAllowed(clients, clientId, target)))
      ) {
        return invalid(reply, 'The post_logout_redirect_uri is not registered.');
      }
      // §2/§6: the user is asked (CSRF-protected form) unless the hint is an ID token for this very session:
      // a valid ID token alone — another user's, or from another session — must not sign this browser out
      // silently. With no session there is nothing to end, so a valid hint needs no confirmation either.
      const session = hint !== undefined ? await kit.session(req) : undefined;
      const hintVouches =
        hint !== undefined && (session === undefined || hintMatchesSession(hint, session, sessionIdKey));
      const confirmed = hintVouches || (req.method === 'POST' && kit.csrfValid(req, params['csrf_token']));
      if (!confirmed) {
        // The form carries the hint's client as client_id (never the ID token itself), so the confirmed
        // POST is held to the same post_logout_redirect_uri registration.
        const fields: Record<string, string> = {};
        if (clientId !== undefined) fields['client_id'] = clientId;
        for (const k of ['post_logout_redirect_uri', 'state']) {
          const v = params[k];
          if (v !== undefined) fields[k] = v;
        }
        return confirmationPage(req, reply, fields);
      }
      await kit.endSession(req, reply);
      if (target !== undefined) {
        const url = new URL(target);
        if (params['state'] !== undefined) url.searchParams.set('state', params['state']);
        return reply
          .header('cache-control', 'no-store')
          .redirect(url.toString(), req.method === 'POST' ? 303 : 302);
      }
      return kit.html(reply, 200, messagePage('Signed out', 'You have been signed out.'));
    };
    app.get(LOGOUT_PATH, handle);
    app.post(LOGOUT_PATH, handle);
  };
}
