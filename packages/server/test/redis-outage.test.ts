import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';
import { basic, freePort } from './support/http.js';

/*
 * Redis going away must not hang every request for tens of seconds and then answer 500: the endpoints that
 * need the store answer 503 temporarily_unavailable quickly (clients retry those), the ones that do not need
 * it keep working (rate limiting fails open), /api/healthz names the store, and everything recovers when
 * Redis is back. A Redis server of the test's own (Debian's redis-server) is stopped and started for real.
 */

const hasRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (String(chunk).includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe.skipIf(!hasRedisServer)('Redis outage', () => {
  let port: number;
  let redis: ChildProcess;
  let t: Awaited<ReturnType<typeof testApp>>;
  let token: string;
  /**
   * The token the revocation probe sends. A revocation answered 503 may still take effect once Redis is back
   * (the client queued the command while reconnecting), so it is not the token checked after the recovery.
   */
  let revokeProbe: string;
  const headers = {
    authorization: basic('svc-basic', 'basic-secret'),
    'content-type': 'application/x-www-form-urlencoded',
  };
  const post = (url: string, payload: string) => t.app.inject({ method: 'POST', url, headers, payload });
  const timed = async <T>(f: () => Promise<T>) => {
    const start = Date.now();
    const result = await f();
    return { result, ms: Date.now() - start };
  };

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    t = await testApp({ redis: { url: `redis://127.0.0.1:${port}` } });
    token = (await post('/api/oauth/token', 'grant_type=client_credentials')).json().access_token;
    revokeProbe = (await post('/api/oauth/token', 'grant_type=client_credentials')).json().access_token;
  });
  afterAll(async () => {
    await t.close();
    if (redis.exitCode === null) await stop(redis);
  });

  it('answers 503 temporarily_unavailable within seconds where the store is needed, and recovers', async () => {
    await stop(redis);
    for (const [url, payload] of [
      ['/api/oauth/introspect', `token=${token}`],
      ['/api/oauth/revoke', `token=${revokeProbe}`],
    ] as const) {
      const { result: res, ms } = await timed(() => post(url, payload));
      expect(res.statusCode, `${url}: ${res.body}`).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect(ms, url).toBeLessThan(5_000);
    }
    // Minting a client-credentials token needs no store: it goes on (the rate limits fail open).
    const { result: minted, ms } = await timed(() =>
      post('/api/oauth/token', 'grant_type=client_credentials'),
    );
    expect(minted.statusCode).toBe(200);
    expect(ms).toBeLessThan(5_000);
    const health = await t.app.inject({ method: 'GET', url: '/api/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json().checks.store).toBe('error');

    redis = await startRedis(port);
    await expect
      .poll(async () => (await post('/api/oauth/introspect', `token=${token}`)).statusCode, {
        timeout: 10_000,
      })
      .toBe(200);
    expect((await post('/api/oauth/introspect', `token=${token}`)).json().active).toBe(true);
  }, 60_000);
});
