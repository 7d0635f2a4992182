import { setImmediate as nextTurn } from 'node:timers/promises';
import { vi } from 'vitest';

/**
 * Runs `work` with `setTimeout` and `Date` on a fake clock that moves `stepMs` at every turn of the event
 * loop, while sockets (and the local servers on them) run in real time: a wait of seconds in the code
 * under test takes milliseconds. Elapsed times seen through `Date.now()` are at least the real waits.
 */
export async function onFakeClock<T>(work: () => Promise<T>, stepMs = 25): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  try {
    let settled = false;
    const result = work().finally(() => {
      settled = true;
    });
    result.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    while (!settled) {
      await vi.advanceTimersByTimeAsync(stepMs);
      await nextTurn();
    }
    return await result;
  } finally {
    vi.useRealTimers();
  }
}
