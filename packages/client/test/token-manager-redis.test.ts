import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { RedisTokenStorage } from '../src/storage/index.js';
import { RedisTokenLock, TokenManager } from '../src/token/index.js';
import { type LocalServer, sendJson, startLocalServer } from './support/local-server.js';
import { startProgram } from './support/programs.js';
import { storedTokens } from './support/stored-tokens.js';

const prefix = `test:tm:${randomBytes(6).toString('hex')}:`;

describe.skipIf(missing('redis'))('TokenManager across processes (Redis)', () => {
  let redis: Redis;
  let server: LocalServer;
  let tokenUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    redis = new Redis(testRedisUrl!);
    server = await startLocalServer((_req, res, body) => {
      seen.push(new URLSearchParams(body).get('refresh_token') ?? '');
      const n = seen.length;
      setTimeout(
        () => sendJson(res, { access_token: `at-${n}`, refresh_token: `rt-${n}`, expires_in: 3600 }),
        300,
      );
    });
    tokenUrl = `${server.url}/token`;
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await server.close();
  });

  it('lock: only one holder, compare-and-delete release', async () => {
    const lock = new RedisTokenLock({ client: redis, keyPrefix: `${prefix}l:` });
    const release = await lock.tryAcquire('x', 5000);
    expect(release).toBeDefined();
    expect(await lock.tryAcquire('x', 5000)).toBeUndefined();
    await redis.set(`${prefix}l:x`, 'someone-else');
    await release!(); // must not delete the other owner's lock
    expect(await redis.get(`${prefix}l:x`)).toBe('someone-else');
    await redis.del(`${prefix}l:x`);
    const again = await lock.tryAcquire('x', 5000);
    expect(again).toBeDefined();
    await again!();
    expect(await redis.exists(`${prefix}l:x`)).toBe(0);
  });

  it('a lock left by a dead holder expires and a waiter takes over', async () => {
    const storage = new RedisTokenStorage({ client: redis, keyPrefix: `${prefix}dead:` });
    const lock = new RedisTokenLock({ client: redis, keyPrefix: `${prefix}deadlock:` });
    await storage.store(
      'k',
      storedTokens({ accessToken: 'old', refreshToken: 'rt', expiresAt: Date.now() - 1000 }),
    );
    expect(await lock.tryAcquire('k', 300)).toBeDefined(); // never released: the holder "crashed"
    let refreshes = 0;
    const manager = new TokenManager({
      storage,
      lock,
      lockTtlMs: 300,
      lockPollMs: 20,
      endpoint: {
        refresh: async () => {
          refreshes++;
          return { accessToken: 'new', tokenType: 'Bearer', expiresIn: 3600, raw: {} };
        },
      },
    });
    const start = Date.now();
    expect((await manager.getAccessToken('k')).token).toBe('new');
    expect(Date.now() - start).toBeGreaterThanOrEqual(200);
    expect(refreshes).toBe(1);
    expect((await storage.get('k'))?.refreshToken).toBe('rt');
  });

  it('4 processes × 50 concurrent getAccessToken on an expired token → exactly 1 refresh', async () => {
    const key = 'demo:client:user-1';
    await new RedisTokenStorage({ client: redis, keyPrefix: `${prefix}tokens:` }).store(
      key,
      storedTokens({ accessToken: 'old', refreshToken: 'rt-0', expiresAt: Date.now() - 1000 }),
    );
    const workers = Array.from({ length: 4 }, () =>
      startProgram('lock-worker.ts', [testRedisUrl!, prefix, tokenUrl, key]),
    );
    await Promise.all(workers.map((w) => w.printed('ready')));
    for (const w of workers) w.child.stdin.write('go\n');
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(seen).toEqual(['rt-0']);
    for (const w of workers) {
      expect(JSON.parse(w.output().split('\n')[1] ?? '')).toEqual(['at-1']);
    }
  });
});
