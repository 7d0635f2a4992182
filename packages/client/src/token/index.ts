export { type TokenKeyParts, tokenKey } from './key.js';
export type { LockRelease, TokenLock } from './lock.js';
export { TokenManager } from './manager.js';
export type { AccessToken, StoredTokens, TokenMetadata, TokenResponse } from './records.js';
export { RedisTokenLock, type RedisTokenLockOptions } from './redis-lock.js';
export type { TokenEndpoint, TokenHooks, TokenManagerOptions } from './types.js';
