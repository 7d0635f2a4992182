import { equalInConstantTime, hmacKey } from './hash.js';

/**
 * CSRF tokens for the login, consent, device and logout forms: an HMAC of a random per-browser binding
 * (kept in a signed HttpOnly cookie), so a cross-site page can neither read nor forge it
 * (RFC 9700 §4.7, OWASP "signed double-submit cookie").
 */
export function csrfToken(secret: string, binding: string): string {
  return hmacKey(secret, `csrf:${binding}`);
}

/** Constant-time check of a submitted CSRF token against its cookie binding. */
export function csrfTokenValid(
  secret: string,
  binding: string | undefined,
  token: string | undefined,
): boolean {
  if (!binding || !token) return false;
  return equalInConstantTime(csrfToken(secret, binding), token);
}
