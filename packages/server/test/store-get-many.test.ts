import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { MemoryStore, RedisStore, type Store } from '../src/infra/store/index.js';

/** getMany answers like one get per key, in the order asked (liveClaims reads two keys with it). */
async function readsSeveralKeysAtOnce(store: Store): Promise<void> {
  const [a, b, gone] = [`a-${randomUUID()}`, `b-${randomUUID()}`, `gone-${randomUUID()}`];
  await store.set(a, '1', 30);
  await store.set(gone, 'x', 1);
  await new Promise((r) => setTimeout(r, 1200));
  expect(await store.getMany([a, b, gone])).toEqual(['1', undefined, undefined]);
  expect(await store.getMany([b, a])).toEqual([undefined, '1']);
  expect(await store.getMany([])).toEqual([]);
}

describe('reading several store keys at once', () => {
  it('answers each key in order in the in-process store, expired ones absent', async () => {
    const store = new MemoryStore();
    await readsSeveralKeysAtOnce(store);
    await store.close();
  });

  it.skipIf(missing('redis'))('answers each key in order from Redis, under the key prefix', async () => {
    const prefix = `gh-test-${randomUUID()}:`;
    const store = new RedisStore(testRedisUrl!, prefix);
    const other = new RedisStore(testRedisUrl!, `gh-test-${randomUUID()}:`);
    try {
      await readsSeveralKeysAtOnce(store);
      await store.set('shared', 'mine', 30);
      expect(await other.getMany(['shared'])).toEqual([undefined]);
    } finally {
      await store.close();
      await other.close();
    }
  });
});
