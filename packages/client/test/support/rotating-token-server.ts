import { type LocalServer, sendJson, startLocalServer } from './local-server.js';

/** What a {@link startRotatingTokenServer} saw and did. */
export interface RotatingTokenServer extends LocalServer {
  /** Every refresh token presented, in order. */
  presented: string[];
  /** Every token revoked at `/revoke`, in order. */
  revoked: string[];
  /** Makes `refreshToken` a live refresh token (e.g. the one of the stored login). */
  issue(refreshToken: string): void;
  /** Sends the answer to the next refresh only when this resolves (to hold a refresh in flight). */
  hold(until: Promise<void>): void;
}

/**
 * A token endpoint with single-use rotating refresh tokens (RFC 9700 §4.14.2): each refresh answers
 * `at-n` / `rt-n`; a refresh token used twice, unknown or revoked gets `invalid_grant`. Also `/revoke`
 * (RFC 7009).
 */
export async function startRotatingTokenServer(): Promise<RotatingTokenServer> {
  const live = new Set<string>();
  const presented: string[] = [];
  const revoked: string[] = [];
  let gate: Promise<void> | undefined;
  let n = 0;
  const server = await startLocalServer((req, res, body) => {
    const form = new URLSearchParams(body);
    if (req.url === '/revoke') {
      const token = form.get('token') ?? '';
      revoked.push(token);
      live.delete(token);
      return void res.writeHead(200).end();
    }
    const token = form.get('refresh_token') ?? '';
    presented.push(token);
    // Decided on arrival, like a real server: only the answer is held back.
    let status = 400;
    let answer: unknown = { error: 'invalid_grant' };
    if (live.delete(token)) {
      n++;
      live.add(`rt-${n}`);
      status = 200;
      answer = { access_token: `at-${n}`, token_type: 'Bearer', expires_in: 3600, refresh_token: `rt-${n}` };
    }
    const wait = gate;
    gate = undefined;
    if (wait) void wait.then(() => sendJson(res, answer, status));
    else sendJson(res, answer, status);
  });
  return {
    ...server,
    presented,
    revoked,
    issue: (refreshToken) => void live.add(refreshToken),
    hold: (until) => {
      gate = until;
    },
  };
}
