import type { StoredTokens } from './records.js';

/**
 * Valid for longer than the skew. The skew is at most half the token's lifetime: a token issued for
 * less than the skew (say 45 s against 60 s) would otherwise be renewed on every call, rotating the
 * refresh token each time until the provider rate-limits the client.
 */
export function isFresh(stored: StoredTokens, skewMs: number, now: number): boolean {
  if (stored.expiresAt === undefined) return true;
  return stored.expiresAt - skewFor(stored, stored.expiresAt, skewMs) > now;
}

/** Not expired (whatever the skew). */
export function isUsable(stored: StoredTokens, now: number): boolean {
  return stored.expiresAt === undefined || stored.expiresAt > now;
}

/** The configured skew, capped at half the lifetime (from when the tokens were obtained to expiry). */
function skewFor(stored: StoredTokens, expiresAt: number, skewMs: number): number {
  const obtainedAt = stored.metadata.refreshedAt ?? stored.metadata.createdAt;
  const lifetimeMs = Math.max(0, expiresAt - obtainedAt);
  return Math.min(skewMs, lifetimeMs / 2);
}
