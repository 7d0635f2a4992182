import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `done()` is true, checking every 5 ms (the test's own timeout bounds the wait). */
export async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(5);
}
