import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { createOAuth2Client, type OAuth2ClientConfig } from '../src/index.js';
import { RedisTokenStorage } from '../src/storage/index.js';
import { RedisTokenLock, TokenManager } from '../src/token/index.js';
import { type RotatingTokenServer, startRotatingTokenServer } from './support/rotating-token-server.js';
import { expiredLogin } from './support/stored-tokens.js';
import { until } from './support/waiting.js';

const prefix = `test:lockttl:${randomBytes(6).toString('hex')}:`;

describe.skipIf(missing('redis'))('refresh lock lifetime (Redis)', () => {
  let redis: Redis;
  let server: RotatingTokenServer;
  let n = 0;
  const names = () => {
    n++;
    return { tokens: `${prefix}${n}:tokens:`, lock: `${prefix}${n}:lock:` };
  };

  beforeAll(() => {
    redis = new Redis(testRedisUrl!);
  });
  afterEach(async () => {
    await server.close();
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  /** Starts a refresh through `client.tokens()` held at the server; returns the lock's PTTL meanwhile. */
  async function lockTtlDuringRefresh(config: Partial<OAuth2ClientConfig>): Promise<number> {
    server = await startRotatingTokenServer();
    server.issue('rt-0');
    const keys = names();
    const storage = new RedisTokenStorage({ client: redis, keyPrefix: keys.tokens });
    await storage.store('k', expiredLogin());
    const client = createOAuth2Client({
      clientId: 'app',
      redirectUri: 'http://127.0.0.1/cb',
      tokenEndpoint: `${server.url}/token`,
      storage,
      tokenLock: new RedisTokenLock({ client: redis, keyPrefix: keys.lock }),
      ...config,
    });
    let release!: () => void;
    server.hold(new Promise<void>((r) => (release = r)));
    const pending = client.tokens().getAccessToken('k');
    await until(() => server.presented.length === 1);
    const ttl = await redis.pttl(`${keys.lock}k`);
    release();
    expect((await pending).token).toBe('at-1');
    return ttl;
  }

  it('client.tokens() derives the lock lifetime from the timeout, the retries and the rate-limit wait', async () => {
    // 60 s × 4 attempts + retry backoffs + 5 s rate-limit wait: far more than a fixed 30 s.
    expect(await lockTtlDuringRefresh({ timeoutSecs: 60 })).toBeGreaterThan(240_000);
  });

  it('client.tokens() uses lockTtlMs from the config', async () => {
    const ttl = await lockTtlDuringRefresh({ lockTtlMs: 90_000 });
    expect(ttl).toBeGreaterThan(85_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
  });

  it('a refresh slower than lockTtlMs keeps its lock: another instance never refreshes with the same token', async () => {
    server = await startRotatingTokenServer();
    server.issue('rt-0');
    const keys = names();
    const storage = new RedisTokenStorage({ client: redis, keyPrefix: keys.tokens });
    await storage.store('k', expiredLogin());
    const client = createOAuth2Client({ clientId: 'app', tokenEndpoint: `${server.url}/token` });
    const instance = () =>
      new TokenManager({
        storage,
        lock: new RedisTokenLock({ client: redis, keyPrefix: keys.lock }),
        lockTtlMs: 500,
        lockPollMs: 20,
        endpoint: { refresh: (rt) => client.refresh(rt) },
      });
    const [a, b] = [instance(), instance()];
    server.hold(sleep(800)); // the refresh outlives the 500 ms lock
    const first = a.getAccessToken('k');
    await until(() => server.presented.length === 1);
    const second = b.getAccessToken('k');
    expect((await first).token).toBe('at-1');
    expect((await second).token).toBe('at-1');
    expect(server.presented).toEqual(['rt-0']);
  });

  it('a holder whose lock was taken over cannot extend it', async () => {
    const lock = new RedisTokenLock({ client: redis, keyPrefix: `${prefix}x:` });
    const release = await lock.tryAcquire('k', 1000);
    expect(await release?.extend?.(5000)).toBe(true);
    expect(await redis.pttl(`${prefix}x:k`)).toBeGreaterThan(4000);
    await redis.set(`${prefix}x:k`, 'someone-else');
    expect(await release?.extend?.(5000)).toBe(false);
    expect(await redis.pttl(`${prefix}x:k`)).toBe(-1); // untouched
  });
});
