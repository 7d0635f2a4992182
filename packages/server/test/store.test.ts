import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { MemoryStore, openStore, RedisStore, type Store } from '../src/infra/store/index.js';

async function behavesLikeAStore(store: Store): Promise<void> {
  const key = `k-${randomUUID()}`;
  expect(await store.get(key)).toBeUndefined();
  await store.set(key, 'v', 1);
  expect(await store.get(key)).toBe('v');
  await new Promise((r) => setTimeout(r, 1200));
  expect(await store.get(key)).toBeUndefined();
  await store.ping();
}

/** Two handles on the same store (two nodes); for the in-process store, the same object. */
async function countsAtomically(a: Store, b: Store): Promise<void> {
  const key = `n-${randomUUID()}`;
  const values = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).increment(key, 1, 2)),
  );
  // Every caller saw a different count: none read a stale value.
  expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  expect(await a.increment(key, -1, 2)).toBe(39);
  // A fixed window: increments do not extend it.
  await new Promise((r) => setTimeout(r, 1200));
  expect(await b.increment(key, 1, 2)).toBe(40);
  await new Promise((r) => setTimeout(r, 1000));
  expect(await a.increment(key, 1, 2)).toBe(1);
}

describe('shared store', () => {
  it('counts atomically in a fixed window (in-process store)', async () => {
    const store = new MemoryStore();
    await countsAtomically(store, store);
  });

  it.skipIf(missing('redis'))(
    'counts atomically in a fixed window across two Redis connections',
    async () => {
      const prefix = `gh-test-${randomUUID()}:`;
      const a = new RedisStore(testRedisUrl!, prefix);
      const b = new RedisStore(testRedisUrl!, prefix);
      try {
        await countsAtomically(a, b);
      } finally {
        await a.close();
        await b.close();
      }
    },
  );

  it('uses the in-process store without a Redis URL, and entries expire', async () => {
    const store = openStore(undefined);
    expect(store).toBeInstanceOf(MemoryStore);
    await behavesLikeAStore(store);
    await store.close();
  });

  it.skipIf(missing('redis'))('uses Redis with a key prefix, and entries expire', async () => {
    const prefix = `gh-test-${randomUUID()}:`;
    const a = new RedisStore(testRedisUrl!, prefix);
    const b = new RedisStore(testRedisUrl!, prefix);
    try {
      await behavesLikeAStore(a);
      await a.set('shared', 'x', 30);
      expect(await b.get('shared')).toBe('x');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
