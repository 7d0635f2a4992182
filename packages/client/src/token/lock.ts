/**
 * Releases a lock taken with {@link TokenLock.tryAcquire}. A lock may also offer `extend`, so that a
 * holder whose work outlasts the lifetime keeps the lock instead of letting a second holder in.
 */
export interface LockRelease {
  (): Promise<void>;
  /** Sets the lock's remaining lifetime to `ttlMs` if this holder still owns it; `false` when it was lost. */
  extend?(ttlMs: number): Promise<boolean>;
}

/**
 * A lock shared by every instance of an application (e.g. {@link RedisTokenLock}), so only one process
 * refreshes a given token at a time; the others wait and re-read storage.
 */
export interface TokenLock {
  /**
   * Tries once to take the lock `name` for at most `ttlMs`. Resolves to a release function when taken,
   * or `undefined` when another holder has it. Must not throw when the lock is merely busy.
   */
  tryAcquire(name: string, ttlMs: number): Promise<LockRelease | undefined>;
}
