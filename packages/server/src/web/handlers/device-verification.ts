import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientService } from '../../service/clients/clients.js';
import { type DeviceRequests, normalizeUserCode } from '../../service/device/device-requests.js';
import type { UserCodeGuesses } from '../../service/device/user-code-guesses.js';
import { LOCK_WINDOW_SECS, type PasswordSignIn } from '../../service/sign-in/password-sign-in.js';
import type { BrowserContext } from '../browser/browser-context.js';
import { acceptFormPostsOnly, readParams } from '../browser/params.js';
import { issuerPath } from '../issuer-path.js';
import { deviceCodePage, deviceConfirmPage, messagePage } from '../pages/index.js';

const DEVICE_PATH = '/api/oauth/device';
const TOO_MANY_CODES = 'Too many codes tried. Please wait a few minutes and try again.';
const INVALID_CODE = 'That code is not valid or has expired.';

/** `BCDFGHJK` → `BCDF-GHJK`, as the device shows it. */
const displayed = (normalized: string) => `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
/** The CSRF purpose of a code's confirmation form: only that page can post a decision on that code. */
const decisionPurpose = (normalized: string) => `device-decision:${normalized}`;

/**
 * RFC 8628 §3.3: the user's verification page, in two steps. (The device authorization endpoint, §3.1, is a
 * back-channel endpoint: device-authorization.ts.)
 *
 * 1. The code: typed into the entry page, or in `verification_uri_complete`. Nothing is decided there.
 * 2. The confirmation page for a pending code names the client and lists the scopes (§3.3: "inform the user
 *    about the action they are undertaking and ask them to approve or deny the request"), with sign-in fields
 *    when needed. Its CSRF token is bound to the code (csrf.ts `purpose`), so Allow/Deny is only taken from
 *    the confirmation page of that very code; a decision posted with any other token shows that page first.
 */
export interface DeviceVerificationDependencies {
  issuer: string;
  requests: Pick<DeviceRequests, 'pending' | 'decide'>;
  guesses: UserCodeGuesses;
  clients: Pick<ClientService, 'find'>;
  signIn: PasswordSignIn;
}

export function deviceVerificationRoutes(deps: DeviceVerificationDependencies, kit: BrowserContext) {
  const { issuer, requests, guesses, clients, signIn } = deps;
  return async (app: FastifyInstance): Promise<void> => {
    acceptFormPostsOnly(app);
    // The form posts back here, under the issuer's path (web/app.ts).
    const action = `${issuerPath(issuer)}${DEVICE_PATH}`;

    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const { params } = readParams(req.method === 'POST' ? req.body : req.query);
      let session = await kit.session(req);
      const userCode = params['user_code'];
      const code = userCode === undefined ? undefined : normalizeUserCode(userCode);

      /** Step 1. Never looks the code up, so it says nothing about which codes are pending. */
      const entryPage = (status: number, error?: string) =>
        kit.html(reply, status, deviceCodePage({ action, csrf: kit.csrf(req, reply), userCode, error }));

      /**
       * Step 2, or step 1 again when the code is not pending. Looking the code up is a guess, counted like every
       * other (a right one is given back), whichever page follows: else this page would be a free oracle for
       * pending codes.
       */
      const confirmPage = async (status = 200, error?: string) => {
        if (!code) return entryPage(400, INVALID_CODE);
        if (!(await guesses.take(req.ip))) return entryPage(429, TOO_MANY_CODES);
        const pending = await requests.pending(code);
        if (!pending) return entryPage(400, INVALID_CODE);
        await guesses.giveBack(req.ip);
        const client = await clients.find(pending.clientId);
        return kit.html(
          reply,
          status,
          deviceConfirmPage({
            action,
            csrf: kit.csrf(req, reply, decisionPurpose(code)),
            userCode: displayed(code),
            clientName: client?.clientName ?? pending.clientId,
            scopes: pending.scopes,
            loggedIn: session !== undefined,
            error,
          }),
        );
      };

      /** Allow or Deny, posted from the confirmation page of `pendingCode`: sign in if needed, then decide. */
      const decide = async (pendingCode: string) => {
        if (!session) {
          const result = await signIn.signIn(params['username'] ?? '', params['password'] ?? '', req.ip);
          if (!result.ok) {
            // RFC 6585 §4: a 429 may say when to retry; the fixed window ends within LOCK_WINDOW_SECS.
            if (result.locked) reply.header('retry-after', String(LOCK_WINDOW_SECS));
            return result.locked
              ? confirmPage(429, 'Too many failed attempts. Please wait a few minutes and try again.')
              : confirmPage(401, 'Incorrect username or password.');
          }
          session = await kit.startSession(req, reply, result.user.id);
        }
        const approve = params['consent'] === 'approve';
        if (!(await guesses.take(req.ip))) return entryPage(429, TOO_MANY_CODES);
        if (!(await requests.decide(pendingCode, session, approve))) return entryPage(400, INVALID_CODE);
        await guesses.giveBack(req.ip);
        return kit.html(
          reply,
          200,
          messagePage(
            approve ? 'Device connected' : 'Request denied',
            approve ? 'You can return to your device.' : 'The device was not given access.',
          ),
        );
      };

      if (req.method === 'GET') return code ? confirmPage() : entryPage(200);
      const token = params['csrf_token'];
      if (code && params['consent'] !== undefined && kit.csrfValid(req, token, decisionPurpose(code))) {
        return decide(code);
      }
      if (!kit.csrfValid(req, token)) return entryPage(403, 'Your session expired. Please try again.');
      // The entry form, or a decision that did not come from this code's confirmation page: show that page.
      return confirmPage();
    };
    app.get(DEVICE_PATH, handle);
    app.post(DEVICE_PATH, handle);
  };
}
