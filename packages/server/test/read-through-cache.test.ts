import { describe, expect, it } from 'vitest';
import { ReadThroughCache } from '../src/infra/read-through-cache.js';

/** A loader that returns `v-<key>` and counts its calls. */
function countingLoader() {
  let count = 0;
  const load = async (key: string) => {
    count++;
    return `v-${key}`;
  };
  return { load, loads: () => count };
}

describe('ReadThroughCache (client and user records)', () => {
  it('does not keep what a load returned when a change was made while it ran', async () => {
    const cache = new ReadThroughCache<string>(30_000, 10);
    let release!: (v: string) => void;
    const stale = cache.get('k', () => new Promise((resolve) => (release = resolve)));
    cache.forget('k'); // a change through the service, while the load above is still under way
    release('old');
    expect(await stale).toBe('old');
    const { load, loads } = countingLoader();
    expect(await cache.get('k', load)).toBe('v-k');
    expect(loads()).toBe(1);
  });

  it('keeps found records until forgotten, one key or all', async () => {
    const cache = new ReadThroughCache<string>(30_000, 10);
    const { load, loads } = countingLoader();
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('a', load);
    expect(loads()).toBe(2);
    cache.forget('a');
    await cache.get('a', load);
    await cache.get('b', load);
    expect(loads()).toBe(3);
    cache.forget();
    await cache.get('b', load);
    expect(loads()).toBe(4);
  });

  it('forgets the entry before and after a change, also when the change fails', async () => {
    const cache = new ReadThroughCache<string>(30_000, 10);
    const { load, loads } = countingLoader();
    await cache.get('a', load);
    let during: string | undefined;
    await expect(
      cache.change('a', async () => {
        during = await cache.get('a', load); // reloaded: the entry was forgotten before the write
        throw new Error('write failed');
      }),
    ).rejects.toThrow('write failed');
    expect(during).toBe('v-a');
    await cache.get('a', load); // reloaded again: forgotten after the failed write too
    expect(loads()).toBe(3);
  });
});
