import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { RedisTokenStorage } from '../src/storage/index.js';
import type { StoredTokens } from '../src/token/records.js';
import { storedTokens } from './support/stored-tokens.js';

const prefix = `test:storage:${randomBytes(6).toString('hex')}:`;
const tokens = (at: string, fields: Partial<StoredTokens> = {}) =>
  storedTokens({ accessToken: at, ...fields });

describe.skipIf(missing('redis'))('RedisTokenStorage', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(testRedisUrl!);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('round-trips JSON under the prefix and lists keys via SCAN', async () => {
    const s = new RedisTokenStorage({ client: redis, keyPrefix: `${prefix}a:` });
    await s.store('google:c:u1', tokens('one'));
    await s.store('google:c:u2', tokens('two'));
    expect((await s.get('google:c:u1'))?.accessToken).toBe('one');
    expect(JSON.parse((await redis.get(`${prefix}a:google:c:u2`))!).accessToken).toBe('two');
    expect(await s.exists('google:c:u2')).toBe(true);
    expect((await s.listKeys()).sort()).toEqual(['google:c:u1', 'google:c:u2']);
    await s.delete('google:c:u1');
    expect(await s.get('google:c:u1')).toBeUndefined();
    await s.clear();
    expect(await s.listKeys()).toEqual([]);
  });

  it('derives the TTL from token lifetimes', async () => {
    const s = new RedisTokenStorage({ client: redis, keyPrefix: `${prefix}ttl:`, ttlGraceSecs: 0 });
    await s.store('access-only', tokens('x', { expiresAt: Date.now() + 120_000 }));
    await s.store(
      'refresh-known',
      tokens('x', {
        expiresAt: Date.now() + 60_000,
        refreshToken: 'r',
        refreshTokenExpiresAt: Date.now() + 3_600_000,
      }),
    );
    await s.store('refresh-unknown', tokens('x', { expiresAt: Date.now() + 60_000, refreshToken: 'r' }));
    const ttl = (k: string) => redis.pttl(`${prefix}ttl:${k}`);
    expect(await ttl('access-only')).toBeGreaterThan(100_000);
    expect(await ttl('access-only')).toBeLessThanOrEqual(120_000);
    expect(await ttl('refresh-known')).toBeGreaterThan(3_500_000);
    expect(await ttl('refresh-unknown')).toBe(-1);
  });

  it('rejects with StorageError on corrupted values and backend failure', async () => {
    const s = new RedisTokenStorage({ client: redis, keyPrefix: `${prefix}bad:` });
    await redis.set(`${prefix}bad:k`, 'not json');
    await expect(s.get('k')).rejects.toMatchObject({ name: 'StorageError', code: 'storage_corrupted' });
    await redis.set(`${prefix}bad:k2`, '{"accessToken": 42}');
    await expect(s.get('k2')).rejects.toMatchObject({ name: 'StorageError', code: 'storage_corrupted' });
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    await expect(new RedisTokenStorage({ client: dead }).get('k')).rejects.toMatchObject({
      code: 'storage_error',
    });
    dead.disconnect();
  });
});
