import type { Store } from '../../infra/store/index.js';

/** A counter is never dropped for cheaper entries when the in-process store is full (WritePriority). */
const COUNTER = { priority: 'protected' } as const;

/**
 * Counting guesses (passwords, device user codes) in a fixed window in the shared store, so every node
 * sees the same count. An attempt is taken *before* the check — counting afterwards would let any number
 * of guesses sent at once read the same count and all pass — and a success may give it back.
 */
export interface AttemptLimit {
  key: string;
  limit: number;
  windowSecs: number;
}

/**
 * Counts one attempt; false when it is over the limit (the caller refuses without checking anything).
 * `onLockout` is told of the first attempt refused in a window: the moment a lockout begins.
 */
export async function takeAttempt(store: Store, a: AttemptLimit, onLockout?: () => void): Promise<boolean> {
  const count = await store.increment(a.key, 1, a.windowSecs, COUNTER);
  if (count === a.limit + 1) onLockout?.();
  return count <= a.limit;
}

/** Uncounts an attempt that turned out to be legitimate, or that the server could not check. */
export async function giveBackAttempt(store: Store, a: AttemptLimit): Promise<void> {
  await store.increment(a.key, -1, a.windowSecs, COUNTER);
}

/** Forgets every attempt counted so far (a successful sign-in clears the account's failures). */
export async function clearAttempts(store: Store, a: AttemptLimit): Promise<void> {
  await store.delete(a.key);
}
