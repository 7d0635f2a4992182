import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { ConfigurationError, createOAuth2Client, createOAuth2ClientFromEnv } from '../src/index.js';
import { RedisTokenStorage } from '../src/storage/index.js';
import { RedisTokenLock } from '../src/token/index.js';
import { type RotatingTokenServer, startRotatingTokenServer } from './support/rotating-token-server.js';

const namespace = `test:keyspaces:${randomBytes(6).toString('hex')}:`;

describe.skipIf(missing('redis'))('Redis token and lock key spaces are disjoint', () => {
  let redis: Redis;
  let server: RotatingTokenServer;
  beforeAll(async () => {
    redis = new Redis(testRedisUrl!);
    server = await startRotatingTokenServer();
  });
  afterEach(async () => {
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(async () => {
    await server.close();
    redis.disconnect();
  });

  it('with OAUTH2_STORAGE_PREFIX, listKeys and clear never see a refresh lock held meanwhile', async () => {
    const client = await createOAuth2ClientFromEnv({
      OAUTH2_CLIENT_ID: 'app',
      OAUTH2_TOKEN_ENDPOINT: `${server.url}/token`,
      OAUTH2_STORAGE_TYPE: 'redis',
      OAUTH2_REDIS_URL: testRedisUrl,
      OAUTH2_STORAGE_PREFIX: namespace,
    });
    const storage = client.config.storage!;
    const manager = client.tokens();
    await manager.storeTokens('user-1', {
      accessToken: 'at-0',
      tokenType: 'Bearer',
      refreshToken: 'rt-0',
      raw: {},
    });
    server.issue('rt-0');
    let answer!: () => void;
    server.hold(new Promise<void>((resolve) => (answer = resolve)));
    const refresh = manager.forceRefresh('user-1'); // holds the refresh lock while the server is slow
    await expect.poll(() => redis.exists(`${namespace}lock:user-1`)).toBe(1);

    expect(await storage.listKeys()).toEqual(['user-1']);
    await storage.clear();
    expect(await redis.exists(`${namespace}lock:user-1`)).toBe(1); // another instance's lock survives
    expect(await redis.exists(`${namespace}tokens:user-1`)).toBe(0);

    answer();
    await refresh.catch(() => undefined); // the clear superseded the refresh
    await client.close();
  });

  it('a RedisTokenStorage and RedisTokenLock with overlapping prefixes are a configuration error', () => {
    const config = {
      clientId: 'app',
      tokenEndpoint: `${server.url}/token`,
      storage: new RedisTokenStorage({ client: redis, keyPrefix: 'app:' }),
    };
    expect(() =>
      createOAuth2Client({
        ...config,
        tokenLock: new RedisTokenLock({ client: redis, keyPrefix: 'app:lock:' }),
      }),
    ).toThrow(ConfigurationError);
    expect(() =>
      createOAuth2Client({
        ...config,
        tokenLock: new RedisTokenLock({ client: redis, keyPrefix: 'lock:app:' }),
      }),
    ).not.toThrow();
  });
});
