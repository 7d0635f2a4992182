import type { StoredTokens } from '../token/records.js';

/** Minimal structural check of a value read back from storage. */
export function isStoredTokens(value: unknown): value is StoredTokens {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const metadata = v['metadata'];
  return (
    typeof v['accessToken'] === 'string' &&
    typeof v['tokenType'] === 'string' &&
    Array.isArray(v['scopes']) &&
    (v['refreshToken'] === undefined || typeof v['refreshToken'] === 'string') &&
    (v['expiresAt'] === undefined || typeof v['expiresAt'] === 'number') &&
    typeof metadata === 'object' &&
    metadata !== null
  );
}
