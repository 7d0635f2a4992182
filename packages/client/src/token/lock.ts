/**
 * A lock shared by every instance of an application (e.g. {@link RedisTokenLock}), so only one process
 * refreshes a given token at a time; the others wait and re-read storage.
 */
export interface TokenLock {
  /**
   * Tries once to take the lock `name` for at most `ttlMs`. Resolves to a release function when taken,
   * or `undefined` when another holder has it. Must not throw when the lock is merely busy.
   */
  tryAcquire(name: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}
