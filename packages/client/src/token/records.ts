/** RFC 6749 §5.1 successful token response, normalised to camelCase. `raw` keeps every field the server sent. */
export interface TokenResponse {
  accessToken: string;
  tokenType: string;
  /** Seconds, as sent by the server (`expires_in`). */
  expiresIn?: number;
  refreshToken?: string;
  idToken?: string;
  /** Granted scopes (`scope`), split on spaces; absent when the server did not say. */
  scopes?: string[];
  raw: Record<string, unknown>;
}

/** What the token manager keeps per key. Times are epoch milliseconds. */
export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  tokenType: string;
  /** Epoch ms when the access token expires; absent when the server gave no lifetime. */
  expiresAt?: number;
  /** Epoch ms when the refresh token expires, when known (`refresh_expires_in` / `refresh_token_expires_in`). */
  refreshTokenExpiresAt?: number;
  scopes: string[];
  metadata: TokenMetadata;
}

export interface TokenMetadata {
  createdAt: number;
  refreshedAt?: number;
  refreshCount: number;
  provider?: string;
  extra?: Record<string, string>;
}

/** A usable access token handed to application code. */
export interface AccessToken {
  token: string;
  tokenType: string;
  expiresAt?: number;
  scopes: string[];
}
