import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AttemptLimit, giveBackAttempt, takeAttempt } from '../../service/attempts.js';
import {
  decideDeviceRequest,
  normalizeUserCode,
  pendingDeviceRequest,
} from '../../service/grants/device-code.js';
import { login } from '../../service/login.js';
import type { AppContext } from '../../state/index.js';
import { type BrowserKit, readParams } from '../browser-kit.js';
import { issuerPath } from '../issuer-path.js';
import { deviceCodePage, deviceConfirmPage, messagePage } from '../pages/index.js';

const DEVICE_PATH = '/api/oauth/device';
/**
 * User codes looked up (page shown for a code, or a code approved/denied) per address: a wrong one counts,
 * a right one is given back. With 20^8 codes, this keeps guessing a pending code hopeless (RFC 8628 §5.1).
 */
const userCodeGuesses = (ip: string): AttemptLimit => ({
  key: `user-code-fail:ip:${ip}`,
  limit: 10,
  windowSecs: 15 * 60,
});
const TOO_MANY_CODES = 'Too many codes tried. Please wait a few minutes and try again.';
const INVALID_CODE = 'That code is not valid or has expired.';

/** `BCDFGHJK` → `BCDF-GHJK`, as the device shows it. */
const displayed = (normalized: string) => `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
/** The CSRF purpose of a code's confirmation form: only that page can post a decision on that code. */
const decisionPurpose = (normalized: string) => `device-decision:${normalized}`;

/**
 * RFC 8628 §3.3: the user's verification page, in two steps. (The device authorization endpoint, §3.1, is a
 * back-channel endpoint and lives with the others in oauth.ts, under the same rate limits.)
 *
 * 1. The code: typed into the entry page, or in `verification_uri_complete`. Nothing is decided there.
 * 2. The confirmation page for a pending code names the client and lists the scopes (§3.3: "inform the user
 *    about the action they are undertaking and ask them to approve or deny the request"), with sign-in fields
 *    when needed. Its CSRF token is bound to the code (csrf.ts `purpose`), so Allow/Deny is only taken from
 *    the confirmation page of that very code; a decision posted with any other token shows that page first.
 */
export function deviceRoutes(ctx: AppContext, kit: BrowserKit) {
  return async (app: FastifyInstance): Promise<void> => {
    // The form posts back here, under the issuer's path (router.ts).
    const action = `${issuerPath(ctx.config.oauth.issuer)}${DEVICE_PATH}`;

    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const { params } = readParams(req.method === 'POST' ? req.body : req.query);
      let session = await kit.session(req);
      const userCode = params['user_code'];
      const code = userCode === undefined ? undefined : normalizeUserCode(userCode);
      const guesses = userCodeGuesses(req.ip);

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
        if (!(await takeAttempt(ctx.store, guesses))) return entryPage(429, TOO_MANY_CODES);
        const pending = await pendingDeviceRequest(ctx, code);
        if (!pending) return entryPage(400, INVALID_CODE);
        await giveBackAttempt(ctx.store, guesses);
        const client = await ctx.clients.find(pending.clientId);
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
          const result = await login(ctx, params['username'] ?? '', params['password'] ?? '', req.ip);
          if (!result.ok) {
            return result.locked
              ? confirmPage(429, 'Too many failed attempts. Please wait a few minutes and try again.')
              : confirmPage(401, 'Incorrect username or password.');
          }
          session = await kit.startSession(req, reply, result.user.id);
        }
        const approve = params['consent'] === 'approve';
        if (!(await takeAttempt(ctx.store, guesses))) return entryPage(429, TOO_MANY_CODES);
        if (!(await decideDeviceRequest(ctx, pendingCode, session, approve)))
          return entryPage(400, INVALID_CODE);
        await giveBackAttempt(ctx.store, guesses);
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
