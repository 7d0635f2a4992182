import { readSeconds } from '../http/response.js';
import type { AccessToken, StoredTokens, TokenResponse } from './records.js';

/** Reads an optional lifetime in seconds from the raw response (`refresh_expires_in` and friends). */
function refreshLifetimeSecs(raw: Record<string, unknown>): number | undefined {
  for (const field of ['refresh_token_expires_in', 'refresh_expires_in']) {
    const n = readSeconds(raw[field]);
    if (n !== undefined && n > 0) return n;
  }
  return undefined;
}

/**
 * Builds what is stored from a token response. With `previous` (a refresh), the refresh token, ID token
 * and scopes the server did not resend are kept, and the refresh count is incremented.
 */
export function toStoredTokens(
  response: TokenResponse,
  now: number,
  provider: string | undefined,
  previous?: StoredTokens,
): StoredTokens {
  const stored: StoredTokens = {
    accessToken: response.accessToken,
    tokenType: response.tokenType,
    scopes: response.scopes ?? previous?.scopes ?? [],
    metadata: previous
      ? { ...previous.metadata, refreshedAt: now, refreshCount: previous.metadata.refreshCount + 1 }
      : { createdAt: now, refreshCount: 0, ...(provider === undefined ? {} : { provider }) },
  };
  if (response.expiresIn !== undefined) stored.expiresAt = now + response.expiresIn * 1000;
  const refreshToken = response.refreshToken ?? previous?.refreshToken;
  if (refreshToken !== undefined) stored.refreshToken = refreshToken;
  const idToken = response.idToken ?? previous?.idToken;
  if (idToken !== undefined) stored.idToken = idToken;
  const refreshSecs = refreshLifetimeSecs(response.raw);
  if (refreshSecs !== undefined) {
    stored.refreshTokenExpiresAt = now + refreshSecs * 1000;
  } else if (response.refreshToken === undefined && previous?.refreshTokenExpiresAt !== undefined) {
    stored.refreshTokenExpiresAt = previous.refreshTokenExpiresAt;
  }
  return stored;
}

/** The application-facing view of stored tokens. */
export function toAccessToken(stored: StoredTokens): AccessToken {
  const token: AccessToken = {
    token: stored.accessToken,
    tokenType: stored.tokenType,
    scopes: stored.scopes,
  };
  if (stored.expiresAt !== undefined) token.expiresAt = stored.expiresAt;
  return token;
}
