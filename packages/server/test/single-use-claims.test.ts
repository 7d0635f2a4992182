import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { MemoryStore, RedisStore, type Store } from '../src/infra/store/index.js';
import { nowSecs } from '../src/service/clock.js';
import { claimOnce, wasClaimed } from '../src/service/single-use.js';

const opened: Store[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

/** Two handles on one store: two processes for Redis, the same object in memory (one node). */
function pairOf(kind: 'memory' | 'redis'): [Store, Store] {
  if (kind === 'memory') {
    const s = new MemoryStore();
    opened.push(s);
    return [s, s];
  }
  const prefix = `gh-test-${randomUUID()}:`;
  const a = new RedisStore(testRedisUrl!, prefix);
  const b = new RedisStore(testRedisUrl!, prefix);
  opened.push(a, b);
  return [a, b];
}

describe.each([
  { kind: 'memory' as const, skip: false },
  { kind: 'redis' as const, skip: missing('redis') },
])('single-use claims on the $kind store', ({ kind, skip }) => {
  it.skipIf(skip)('lets exactly one of many concurrent callers win, across handles', async () => {
    const [a, b] = pairOf(kind);
    const id = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => claimOnce(i % 2 ? a : b, 'code_used', id, nowSecs() + 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await wasClaimed(a, 'code_used', id)).toBe(true);
    expect(await wasClaimed(b, 'code_used', id)).toBe(true);
    // Kinds are separate namespaces; other ids are unaffected.
    expect(await wasClaimed(a, 'refresh_used', id)).toBe(false);
    expect(await claimOnce(b, 'refresh_used', id, nowSecs() + 60)).toBe(true);
    expect(await claimOnce(a, 'code_used', randomUUID(), nowSecs() + 60)).toBe(true);
  });

  it.skipIf(skip)('keeps a claim until it expires, then forgets it', async () => {
    const [a, b] = pairOf(kind);
    const id = randomUUID();
    expect(await claimOnce(a, 'device_decided', id, nowSecs() + 1)).toBe(true);
    expect(await claimOnce(b, 'device_decided', id, nowSecs() + 1)).toBe(false);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await wasClaimed(a, 'device_decided', id)).toBe(false);
    expect(await claimOnce(b, 'device_decided', id, nowSecs() + 60)).toBe(true);
  });
});
