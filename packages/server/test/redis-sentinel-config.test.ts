import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { openStore, RedisStore, redisOptions } from '../src/infra/store/index.js';
import { SECRET } from './support/app.js';
import { RedisProcess, redisServerUnavailable } from './support/fault-injection/redis-process.js';
import { freePort } from './support/http.js';

/*
 * Redis Sentinel: `redis.sentinels` (host:port each) and `redis.sentinel_name` are parsed from the config file
 * and the environment, handed to ioredis as its `sentinels` / `name` options, and the store then finds the
 * primary through a real sentinel.
 */

const load = (env: Record<string, string>, redis?: Record<string, unknown>) =>
  loadConfig({ env: { JWT_SECRET: SECRET, ...env }, ...(redis ? { overrides: { redis } } : {}) }).redis;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('redis.sentinels configuration', () => {
  it('reads a list from the config file and a comma-separated REDIS__SENTINELS, with REDIS__SENTINEL_NAME', () => {
    expect(load({}, { sentinels: ['s1.internal:26379', '[::1]:26380'], sentinel_name: 'main' })).toEqual({
      sentinels: [
        { host: 's1.internal', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      sentinel_name: 'main',
      key_prefix: 'gatehouse:',
    });
    expect(
      load({
        REDIS__SENTINELS: ' 10.0.0.1:26379, 10.0.0.2:26379 ,',
        REDIS__SENTINEL_NAME: 'gatehouse',
        REDIS__URL: 'rediss://:pw@ignored:6379/2',
      }),
    ).toEqual({
      url: 'rediss://:pw@ignored:6379/2',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      sentinel_name: 'gatehouse',
      key_prefix: 'gatehouse:',
    });
  });

  it('refuses a malformed entry, an empty list, and one of the two keys without the other', () => {
    for (const [env, message] of [
      [
        { REDIS__SENTINELS: 'sentinel-without-port', REDIS__SENTINEL_NAME: 'm' },
        /redis\.sentinels\.0: expected host:port/,
      ],
      [{ REDIS__SENTINELS: 'a:0', REDIS__SENTINEL_NAME: 'm' }, /redis\.sentinels\.0: expected host:port/],
      [{ REDIS__SENTINELS: '[not-v6]:1', REDIS__SENTINEL_NAME: 'm' }, /redis\.sentinels\.0/],
      [
        { REDIS__SENTINELS: ',', REDIS__SENTINEL_NAME: 'm' },
        /redis\.sentinels: must list at least one sentinel/,
      ],
      [
        { REDIS__SENTINELS: 'a:26379' },
        /redis\.sentinel_name: redis\.sentinels and redis\.sentinel_name are set together/,
      ],
      [
        { REDIS__SENTINEL_NAME: 'm' },
        /redis\.sentinel_name: redis\.sentinels and redis\.sentinel_name are set together/,
      ],
    ] as const) {
      expect(() => load(env), JSON.stringify(env)).toThrow(message);
    }
  });
});

describe('the options handed to ioredis', () => {
  it('are sentinels and name with Sentinel, on top of the command bounds; none without', async () => {
    const sentinels = [{ host: '127.0.0.1', port: 1 }];
    expect(redisOptions({ sentinels, sentinel_name: 'main' })).toMatchObject({
      sentinels,
      name: 'main',
      commandTimeout: 1_000,
      maxRetriesPerRequest: 1,
    });
    expect(redisOptions({ url: 'redis://x' })).not.toHaveProperty('sentinels');
    expect(() => redisOptions({ sentinels })).toThrow(/both/);
    const store = new RedisStore({ url: 'redis://:pw@ignored:6379', sentinels, sentinel_name: 'main' });
    try {
      expect(store.client.options).toMatchObject({ sentinels, name: 'main', password: 'pw' });
    } finally {
      await store.close();
    }
    expect(openStore({ sentinels, sentinel_name: 'main' }).kind).toBe('redis');
    expect(openStore({}).kind).toBe('memory');
  });
});

/** A `redis-server --sentinel` on `port` watching the primary on 127.0.0.1:`primaryPort` as `name`. */
async function startSentinel(port: number, primaryPort: number, name: string): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-sentinel-'));
  dirs.push(dir);
  const file = join(dir, 'sentinel.conf');
  writeFileSync(file, `port ${port}\nbind 127.0.0.1\nsentinel monitor ${name} 127.0.0.1 ${primaryPort} 1\n`);
  const child = spawn('redis-server', [file, '--sentinel'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += String(chunk);
      if (output.includes('+monitor master')) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`redis-server --sentinel exited with ${code}:\n${output}`)),
    );
  });
  return child;
}

describe.skipIf(redisServerUnavailable() !== undefined)('through a real sentinel', () => {
  it('finds the primary by name and uses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-sentinel-primary-'));
    dirs.push(dir);
    const primary = new RedisProcess(await freePort(), dir);
    await primary.start();
    const sentinelPort = await freePort();
    const sentinel = await startSentinel(sentinelPort, primary.port, 'gh-primary');
    const config = load({}, { sentinels: [`127.0.0.1:${sentinelPort}`], sentinel_name: 'gh-primary' });
    const store = openStore(config, 'gh-test-sentinel:');
    const direct = new RedisStore(primary.url, 'gh-test-sentinel:');
    try {
      await store.set('k', 'v', 60);
      expect(await store.get('k')).toBe('v');
      expect(await direct.get('k')).toBe('v');
    } finally {
      await store.close();
      await direct.close();
      const exited = once(sentinel, 'exit');
      sentinel.kill('SIGKILL');
      await exited;
      await primary.kill();
    }
  }, 30_000);
});

describe('redis.key_prefix', () => {
  it('defaults to gatehouse:, is read from REDIS__KEY_PREFIX, and refuses what is not a plain key fragment', () => {
    expect(load({}).key_prefix).toBe('gatehouse:');
    expect(load({ REDIS__KEY_PREFIX: 'tenant-a:' }).key_prefix).toBe('tenant-a:');
    for (const bad of ['has space', 'a'.repeat(65), 'new\nline']) {
      expect(() => load({ REDIS__KEY_PREFIX: bad }), bad).toThrow(/redis\.key_prefix/);
    }
    expect(() => load({}, { key_prefix: '' })).toThrow(/redis\.key_prefix/);
  });
});
