import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/infra/store/index.js';

describe('in-process store with many live entries', () => {
  // Before: past 10,000 live entries every set rescanned the whole map (~O(n²): 20,000 sets over 20,000+
  // live entries took several seconds). Now expired entries are swept at a growing threshold.
  it('keeps set fast past 10,000 live entries', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 20_000; i++) await store.set(`live:${i}`, 'v', 600);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) await store.set(`more:${i}`, 'v', 600);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1500); // ~20–80 ms now; the old full rescan took several seconds
    expect(await store.get('live:0')).toBe('v');
    expect(await store.get('more:19999')).toBe('v');
    await store.close();
  });

  it('still drops expired entries when it sweeps', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 10_000; i++) await store.set(`short:${i}`, 'v', 0.001);
    await new Promise((r) => setTimeout(r, 20));
    await store.set('trigger', 'v', 600); // reaches the threshold: sweeps
    expect(await store.get('short:0')).toBeUndefined();
    expect(await store.get('trigger')).toBe('v');
    await store.close();
  });
});
