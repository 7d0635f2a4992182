import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AttemptLimit, giveBackAttempt, takeAttempt } from '../../service/attempts.js';
import { decideDeviceRequest, pendingDeviceClientId } from '../../service/grants/device-code.js';
import { login } from '../../service/login.js';
import type { AppContext } from '../../state/index.js';
import { type BrowserKit, readParams } from '../browser-kit.js';
import { issuerPath } from '../issuer-path.js';
import { devicePage, messagePage } from '../pages/index.js';

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

/**
 * RFC 8628 §3.3: the user's verification page. (The device authorization endpoint, §3.1, is a back-channel
 * endpoint and lives with the others in oauth.ts, under the same rate limits.)
 */
export function deviceRoutes(ctx: AppContext, kit: BrowserKit) {
  return async (app: FastifyInstance): Promise<void> => {
    // The form posts back here, under the issuer's path (router.ts).
    const action = `${issuerPath(ctx.config.oauth.issuer)}${DEVICE_PATH}`;
    /** §3.3: enter (or confirm) the user code, sign in if needed, approve or deny. */
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const { params } = readParams(req.method === 'POST' ? req.body : req.query);
      let session = await kit.session(req);
      const userCode = params['user_code'];
      const guesses = userCodeGuesses(req.ip);
      /**
       * The page, naming the client waiting on the user code. Looking the code up is a guess, counted like
       * every other (a right one is given back), whichever page shows it — else an error page would be a
       * free oracle for pending codes. `lookUp: false` after a counted check of the code.
       */
      const page = async (status: number, error?: string, lookUp = true) => {
        let waitingId: string | undefined;
        if (userCode && lookUp) {
          if (await takeAttempt(ctx.store, guesses)) {
            waitingId = await pendingDeviceClientId(ctx, userCode);
            if (waitingId) await giveBackAttempt(ctx.store, guesses);
          } else {
            [status, error] = [429, TOO_MANY_CODES];
          }
        }
        const waiting = waitingId ? await ctx.clients.find(waitingId) : undefined;
        return kit.html(
          reply,
          status,
          devicePage({
            action,
            csrf: kit.csrf(req, reply),
            userCode,
            clientName: waiting ? (waiting.clientName ?? waiting.clientId) : undefined,
            loggedIn: session !== undefined,
            error,
          }),
        );
      };
      if (req.method === 'GET') return page(200);
      if (!kit.csrfValid(req, params['csrf_token']))
        return page(403, 'Your session expired. Please try again.');
      if (!session) {
        const result = await login(ctx, params['username'] ?? '', params['password'] ?? '', req.ip);
        if (!result.ok) {
          return result.locked
            ? page(429, 'Too many failed attempts. Please wait a few minutes and try again.')
            : page(401, 'Incorrect username or password.');
        }
        session = await kit.startSession(reply, result.user.id);
      }
      const approve = params['consent'] === 'approve';
      if (!userCode) return page(400, 'That code is not valid or has expired.');
      if (!(await takeAttempt(ctx.store, guesses))) return page(429, TOO_MANY_CODES, false);
      if (!(await decideDeviceRequest(ctx, userCode, session, approve))) {
        return page(400, 'That code is not valid or has expired.', false);
      }
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
    app.get(DEVICE_PATH, handle);
    app.post(DEVICE_PATH, handle);
  };
}
