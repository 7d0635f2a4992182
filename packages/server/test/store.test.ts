import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { MemoryStore, openStore, RedisStore, type Store } from '../src/infra/store.js';

async function behavesLikeAStore(store: Store): Promise<void> {
  const key = `k-${randomUUID()}`;
  expect(await store.get(key)).toBeUndefined();
  await store.set(key, 'v', 1);
  expect(await store.get(key)).toBe('v');
  await new Promise((r) => setTimeout(r, 1200));
  expect(await store.get(key)).toBeUndefined();
  await store.ping();
}

describe('shared store', () => {
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
