import { createOAuth2Client, type OAuth2Client } from '../../src/index.js';
import { type LocalServer, sendJson, startLocalServer } from './local-server.js';

/**
 * One answer of the scripted token endpoint: a JSON body (HTTP 400 when it has an `error`, else 200), a
 * bare status with an HTML page, or `'drop'`: the poll reached the server but the connection is cut
 * before any response.
 */
export type PollAnswer = Record<string, unknown> | number | 'drop';

export interface ScriptedDevice {
  server: LocalServer;
  /** When each poll arrived (`Date.now()`). */
  polls: number[];
  /** A public client (`tv`) of these endpoints. */
  client: OAuth2Client;
}

/**
 * A device authorization endpoint (`/device`: code `dc`, interval 0, 60 s, overridden by `device`) and
 * a token endpoint answering polls from `plan` in order, repeating the last answer
 * (`authorization_pending` when the plan is empty).
 */
export async function startScriptedDevice(
  plan: PollAnswer[],
  device: Record<string, unknown> = {},
): Promise<ScriptedDevice> {
  const polls: number[] = [];
  let next = 0;
  const server = await startLocalServer((req, res) => {
    if (req.url === '/device') {
      return sendJson(res, {
        device_code: 'dc',
        user_code: 'ABCD-EFGH',
        verification_uri: 'https://x/device',
        expires_in: 60,
        interval: 0,
        ...device,
      });
    }
    polls.push(Date.now());
    const answer = plan[Math.min(next++, plan.length - 1)] ?? { error: 'authorization_pending' };
    if (answer === 'drop') return void req.socket.destroy();
    if (typeof answer === 'number') return void res.writeHead(answer).end('<html>down</html>');
    sendJson(res, answer, 'error' in answer ? 400 : 200);
  });
  const client = createOAuth2Client({
    clientId: 'tv',
    tokenEndpoint: `${server.url}/token`,
    deviceAuthorizationEndpoint: `${server.url}/device`,
  });
  return { server, polls, client };
}
