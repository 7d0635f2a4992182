import { ProtocolError } from '../errors/index.js';
import { assertSameIdentity } from '../oidc/id-token.js';
import type { StoredTokens, TokenResponse } from './records.js';
import type { TokenEndpoint } from './types.js';

/**
 * What the ID token of a refresh response turned out to be: usable (or absent), not checkable now (kept
 * out, the stored one stays), or rejected (invalid, or another identity than the stored one).
 */
export type IdTokenVerdict =
  | { kind: 'accepted' }
  | { kind: 'unverified'; error: unknown }
  | { kind: 'rejected'; error: unknown };

/**
 * Judges the ID token of a refresh response. Validation first (signature, `iss`, `aud`, `exp`), then
 * OIDC Core §12.2: the same `iss`, `sub` and `aud` as the stored ID token. A failure to obtain the keys
 * (network, 5xx) is not a verdict on the token: it is `unverified`, never `rejected`.
 */
export async function judgeRefreshedIdToken(
  endpoint: TokenEndpoint,
  stored: StoredTokens,
  response: TokenResponse,
): Promise<IdTokenVerdict> {
  if (response.idToken === undefined) return { kind: 'accepted' };
  try {
    await endpoint.validateIdToken?.(response);
  } catch (error) {
    return isIdTokenRejection(error) ? { kind: 'rejected', error } : { kind: 'unverified', error };
  }
  if (stored.idToken === undefined) return { kind: 'accepted' };
  try {
    assertSameIdentity(stored.idToken, response.idToken);
  } catch (error) {
    return { kind: 'rejected', error };
  }
  return { kind: 'accepted' };
}

/** The response without its ID token, so that the stored one is kept. */
export function withoutIdToken(response: TokenResponse): TokenResponse {
  const copy = { ...response };
  delete copy.idToken;
  return copy;
}

/** An ID token proven bad, as opposed to one that could not be checked (keys unreachable). */
function isIdTokenRejection(error: unknown): boolean {
  return (
    error instanceof ProtocolError && (error.code === 'invalid_id_token' || error.code === 'nonce_mismatch')
  );
}
