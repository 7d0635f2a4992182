export { type TokenKeyParts, tokenKey } from './key.js';
export type { LockRelease, TokenLock } from './lock.js';
export { type TokenEndpoint, type TokenHooks, TokenManager, type TokenManagerOptions } from './manager.js';
export { RedisTokenLock, type RedisTokenLockOptions } from './redis-lock.js';
export type { AccessToken, StoredTokens, TokenMetadata, TokenResponse } from './types.js';
