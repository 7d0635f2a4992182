import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { RedisTokenStorage } from '../src/storage/index.js';
import { RedisTokenLock, TokenManager } from '../src/token/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const prefix = `test:tm:${randomBytes(6).toString('hex')}:`;

describe.skipIf(missing('redis'))('TokenManager across processes (Redis)', () => {
  let redis: Redis;
  let server: Server;
  let tokenUrl: string;
  const seen: string[] = [];

  beforeAll(async () => {
    redis = new Redis(testRedisUrl!);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push(new URLSearchParams(body).get('refresh_token') ?? '');
        const n = seen.length;
        setTimeout(() => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ access_token: `at-${n}`, refresh_token: `rt-${n}`, expires_in: 3600 }));
        }, 300);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await new Promise((r) => server.close(r));
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
    await storage.store('k', {
      accessToken: 'old',
      refreshToken: 'rt',
      tokenType: 'Bearer',
      expiresAt: Date.now() - 1000,
      scopes: [],
      metadata: { createdAt: 0, refreshCount: 0 },
    });
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
    await new RedisTokenStorage({ client: redis, keyPrefix: `${prefix}tokens:` }).store(key, {
      accessToken: 'old',
      refreshToken: 'rt-0',
      tokenType: 'Bearer',
      expiresAt: Date.now() - 1000,
      scopes: [],
      metadata: { createdAt: 0, refreshCount: 0 },
    });
    const workers = Array.from({ length: 4 }, () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(here, 'fixtures/lock-worker.ts'), testRedisUrl!, prefix, tokenUrl, key],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
      });
      const ready = new Promise<void>((resolve) => {
        const check = () => (out.includes('ready\n') ? resolve() : child.stdout.once('data', check));
        check();
      });
      const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, ready, done, output: () => out };
    });
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin.write('go\n');
    const codes = await Promise.all(workers.map((w) => w.done));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(seen).toEqual(['rt-0']);
    for (const w of workers) {
      expect(JSON.parse(w.output().split('\n')[1] ?? '')).toEqual(['at-1']);
    }
  });
});
