import { describe, expect, it } from 'vitest';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { storedTokens } from './support/stored-tokens.js';

const tokens = (at: string) => storedTokens({ accessToken: at, scopes: ['a'] });

describe('MemoryTokenStorage', () => {
  it('stores, reads, lists, deletes and clears', async () => {
    const s = new MemoryTokenStorage();
    await s.store('a', tokens('1'));
    await s.store('b', tokens('2'));
    expect(await s.get('a')).toEqual(tokens('1'));
    expect(await s.exists('b')).toBe(true);
    expect((await s.listKeys()).sort()).toEqual(['a', 'b']);
    await s.delete('a');
    expect(await s.get('a')).toBeUndefined();
    await s.clear();
    expect(await s.listKeys()).toEqual([]);
  });

  it('returns copies, never the stored object', async () => {
    const s = new MemoryTokenStorage();
    const t = tokens('1');
    await s.store('a', t);
    t.accessToken = 'mutated';
    const got = await s.get('a');
    got!.scopes.push('b');
    expect(await s.get('a')).toEqual(tokens('1'));
  });

  it('evicts the least recently used key beyond maxEntries', async () => {
    const s = new MemoryTokenStorage({ maxEntries: 2 });
    await s.store('a', tokens('1'));
    await s.store('b', tokens('2'));
    await s.get('a');
    await s.store('c', tokens('3'));
    expect((await s.listKeys()).sort()).toEqual(['a', 'c']);
    expect(() => new MemoryTokenStorage({ maxEntries: 0 })).toThrow(RangeError);
  });
});
