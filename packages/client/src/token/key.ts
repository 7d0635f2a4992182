/** Parts of a storage key: one entry per provider, client and user (or `default` for machine clients). */
export interface TokenKeyParts {
  provider: string;
  clientId: string;
  userId?: string;
}

/** Builds the canonical storage key `{provider}:{clientId}:{userId}` (`userId` defaults to `default`). */
export function tokenKey(parts: TokenKeyParts): string {
  return `${parts.provider}:${parts.clientId}:${parts.userId ?? 'default'}`;
}
