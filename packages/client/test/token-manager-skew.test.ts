import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOAuth2Client } from '../src/index.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { TokenManager } from '../src/token/index.js';
import { type LocalServer, startLocalServer } from './support/local-server.js';

/** A client-credentials token endpoint issuing `at-n` tokens that live `lifetimeSecs`. */
let server: LocalServer;
let lifetimeSecs: number;
beforeEach(async () => {
  lifetimeSecs = 45;
  let n = 0;
  server = await startLocalServer((_req, res) => {
    n++;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: `at-${n}`, token_type: 'Bearer', expires_in: lifetimeSecs }));
  });
});
afterEach(async () => {
  await server.close();
});

/** A manager over the local endpoint with a clock the test moves. */
function managerAt(clock: { now: number }, skewSecs?: number) {
  const client = createOAuth2Client({
    clientId: 'svc',
    clientSecret: 's',
    tokenEndpoint: `${server.url}/token`,
  });
  return new TokenManager({
    storage: new MemoryTokenStorage(),
    endpoint: {
      refresh: () => Promise.reject(new Error('unused')),
      clientCredentials: () => client.clientCredentials().requestToken(),
    },
    now: () => clock.now,
    ...(skewSecs === undefined ? {} : { skewSecs }),
  });
}

describe('refresh skew bounded by the token lifetime', () => {
  it('a token living less than the skew (45 s vs 60 s) is reused, not renewed on every call', async () => {
    const m = createOAuth2Client({
      clientId: 'svc',
      clientSecret: 's',
      tokenEndpoint: `${server.url}/token`,
    }).tokens();
    for (let i = 0; i < 5; i++) expect((await m.getAccessToken('svc')).token).toBe('at-1');
    expect(server.requests).toHaveLength(1);
  });

  it('it is renewed once less than half its lifetime is left', async () => {
    const clock = { now: 1_000_000 };
    const m = managerAt(clock);
    expect((await m.getAccessToken('svc')).token).toBe('at-1');
    clock.now += 22_000; // 23 s left of 45: more than half
    expect((await m.getAccessToken('svc')).token).toBe('at-1');
    clock.now += 1_000; // 22 s left: less than half
    expect((await m.getAccessToken('svc')).token).toBe('at-2');
    expect(server.requests).toHaveLength(2);
  });

  it('a long-lived token still gets the full configured skew', async () => {
    lifetimeSecs = 3600;
    const clock = { now: 1_000_000 };
    const m = managerAt(clock, 60);
    await m.getAccessToken('svc');
    clock.now += 3_539_000; // 61 s left
    expect((await m.getAccessToken('svc')).token).toBe('at-1');
    clock.now += 2_000; // 59 s left: inside the 60 s skew
    expect((await m.getAccessToken('svc')).token).toBe('at-2');
  });
});
