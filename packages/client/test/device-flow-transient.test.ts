import { describe, expect, it } from 'vitest';
import { createOAuth2Client, NetworkError } from '../src/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

/** One scripted answer of the token endpoint: a JSON body (status 200, or 400 for errors), a bare status, or a dropped connection. */
type Answer = Record<string, unknown> | number | 'drop';

/** A device endpoint plus a token endpoint answering from `plan`; records when each poll arrived. */
function scripted(plan: Answer[], device: Record<string, unknown> = {}) {
  const polls: number[] = [];
  return startLocalServer((req, res) => {
    if (req.url === '/device') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          device_code: 'dc',
          user_code: 'ABCD-EFGH',
          verification_uri: 'https://x/device',
          expires_in: 60,
          interval: 0,
          ...device,
        }),
      );
      return;
    }
    polls.push(Date.now());
    const answer = plan.shift() ?? { error: 'authorization_pending' };
    // The request reached the server (it may have issued tokens) but the response is lost.
    if (answer === 'drop') return void req.socket.destroy();
    if (typeof answer === 'number') return void res.writeHead(answer).end('<html>down</html>');
    const status = 'error' in answer ? 400 : 200;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }).then((server) => ({ server, polls }));
}

function clientFor(server: LocalServer) {
  return createOAuth2Client({
    clientId: 'tv',
    tokenEndpoint: `${server.url}/token`,
    deviceAuthorizationEndpoint: `${server.url}/device`,
  });
}

describe('device flow: transient failures while polling (RFC 8628 §3.5)', () => {
  it('a poll whose response was lost is not resent by the retry layer (the device code may be spent)', async () => {
    const { server, polls } = await scripted(['drop', { access_token: 'at', token_type: 'Bearer' }]);
    const error = await clientFor(server)
      .deviceAuthorization()
      .pollToken('dc')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(polls).toHaveLength(1);
    await server.close();
  });

  it('awaitAuthorization polls again after a lost response or a 5xx, doubling the interval each time', async () => {
    const { server, polls } = await scripted(['drop', 503, { access_token: 'at', token_type: 'Bearer' }]);
    const flow = clientFor(server).deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 0.5 };
    const tokens = await flow.awaitAuthorization(response);
    expect(tokens.accessToken).toBe('at');
    expect(polls).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = polls;
    expect(second - first).toBeGreaterThanOrEqual(950); // 0.5 s doubled
    expect(third - second).toBeGreaterThanOrEqual(1950); // doubled again
    await server.close();
  }, 20_000);

  it('transient failures never outlive the device code: expired_token at the deadline', async () => {
    const { server, polls } = await scripted(['drop', 'drop', 'drop', 'drop', 'drop']);
    const flow = clientFor(server).deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 0.2, expiresIn: 1.5 };
    await expect(flow.awaitAuthorization(response)).rejects.toMatchObject({
      name: 'TokenError',
      code: 'expired_token',
    });
    expect(polls.length).toBeGreaterThanOrEqual(2);
    await server.close();
  }, 20_000);

  it('a caller abort still stops polling at once', async () => {
    const { server } = await scripted([]);
    const flow = clientFor(server).deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 0.05 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await expect(flow.awaitAuthorization(response, { signal: controller.signal })).rejects.toThrow();
    await server.close();
  });
});
