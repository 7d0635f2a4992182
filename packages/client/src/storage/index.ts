export { FileTokenStorage, type FileTokenStorageOptions } from './file-storage.js';
export { MemoryTokenStorage, type MemoryTokenStorageOptions } from './memory-storage.js';
export { RedisTokenStorage, type RedisTokenStorageOptions } from './redis-storage.js';
export type { TokenStorage } from './token-storage.js';
