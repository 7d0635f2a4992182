import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError, storeKeys } from '../src/infra/store/index.js';
import { RefreshTokenRepo } from '../src/repo/refresh-tokens.js';
import { sha256Key } from '../src/service/crypto/hash.js';
import { type TestApp, testApp } from './support/app.js';
import { RedisProcess, redisServerUnavailable } from './support/fault-injection/redis-process.js';
import { freePort, retryWhileUnavailable } from './support/http.js';
import { REFRESHING_WEB_APP, refreshAsWebApp, signInForRefreshToken } from './support/refresh.js';

/*
 * A refresh answered 503 must leave the refresh token as it was: the client retries a 503 with the only token
 * it has, and had the rotation been committed, that retry would be reuse, which revokes the grant and signs
 * the user out. The store is read before anything is spent; a store failure after the rotation takes the
 * rotation back.
 */

const USER = { username: 'rhea', password: 'rhea password 1' };
const refreshTokenOf = (t: TestApp) => signInForRefreshToken(t, USER);
const refresh = (t: TestApp, token: string) => refreshAsWebApp(t.app, token);

const rotatedAt = async (t: TestApp, token: string) =>
  (await new RefreshTokenRepo(t.ctx.database.db).find(sha256Key(token)))?.rotatedAt;

describe.skipIf(redisServerUnavailable() !== undefined)('a refresh while Redis is down', () => {
  let redis: RedisProcess;
  let t: TestApp;
  beforeAll(async () => {
    redis = new RedisProcess(await freePort(), mkdtempSync(join(tmpdir(), 'gh-redis-')));
    await redis.start();
    t = await testApp({ redis: { url: redis.url }, clients: [REFRESHING_WEB_APP], users: [USER] });
  }, 30_000);
  afterAll(async () => {
    await t?.close();
    await redis.kill();
  });

  it('answers 503 without spending the token, which works once Redis is back', async () => {
    const token = await refreshTokenOf(t);
    await redis.kill();
    const during = await refresh(t, token);
    expect(during.statusCode, during.body).toBe(503);
    expect(during.json().error).toBe('temporarily_unavailable');
    expect(during.headers['retry-after']).toBeDefined();
    expect(await rotatedAt(t, token)).toBeNull();

    await redis.start();
    // The same token: 503 while the client reconnects, then the rotation.
    const after = await retryWhileUnavailable(() => refresh(t, token));
    expect(after.statusCode, after.body).toBe(200);
    // The grant was not revoked: its next token rotates too.
    expect((await refresh(t, after.json().refresh_token)).statusCode).toBe(200);
  }, 60_000);
});

describe('a store failure after the rotation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ clients: [REFRESHING_WEB_APP], users: [USER] });
  });
  afterAll(async () => t.close());

  it('takes the rotation back: 503, and the same token works at the next try', async () => {
    const token = await refreshTokenOf(t);
    // The read of the grant's revocation marker, which comes after the rotation, fails, as with a Redis that
    // goes away between the database's answer and the store command.
    const get = t.ctx.store.get.bind(t.ctx.store);
    let markerReads = 0;
    const spy = vi.spyOn(t.ctx.store, 'get').mockImplementation(async (key) => {
      if (key.startsWith(storeKeys.revokedGrant('')) && ++markerReads === 1)
        throw new StoreUnavailableError(new Error('connection lost'));
      return get(key);
    });
    try {
      const failed = await refresh(t, token);
      expect(failed.statusCode, failed.body).toBe(503);
      expect(markerReads).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(await rotatedAt(t, token)).toBeNull();
    const retried = await refresh(t, token);
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await refresh(t, retried.json().refresh_token)).statusCode).toBe(200);
  });
});
