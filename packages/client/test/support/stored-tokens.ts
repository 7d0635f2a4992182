import type { StoredTokens } from '../../src/token/records.js';

/** Stored tokens for a test: Bearer access token `at`, no expiry, no scopes, created at 0; `fields` override. */
export function storedTokens(fields: Partial<StoredTokens> = {}): StoredTokens {
  return {
    accessToken: 'at',
    tokenType: 'Bearer',
    scopes: [],
    metadata: { createdAt: 0, refreshCount: 0 },
    ...fields,
  };
}

/** A stored login whose access token has expired and whose refresh token is `rt-0`. */
export const expiredLogin = (): StoredTokens =>
  storedTokens({ accessToken: 'at-0', refreshToken: 'rt-0', expiresAt: Date.now() - 1000 });
