import { equalInConstantTime, hmacKey } from '../crypto/hash.js';

/**
 * CSRF tokens for the login, consent, device and logout forms: an HMAC (under the `csrf` purpose key) of a random per-browser binding
 * (kept in a signed HttpOnly cookie), so a cross-site page can neither read nor forge it
 * (RFC 9700 §4.7, OWASP "signed double-submit cookie").
 *
 * A `purpose` ties a token to one form as well: only the page that rendered it for that purpose hands it out
 * (the device confirmation page, for its user code), so a form posted with it comes from that page. Tokens
 * for different purposes, or without one, are not interchangeable. (The binding is a UUID: no `:` in it.)
 */
export function csrfToken(key: Buffer, binding: string, purpose?: string): string {
  return hmacKey(key, purpose === undefined ? `csrf:${binding}` : `csrf:${binding}:${purpose}`);
}

/** Constant-time check of a submitted CSRF token against its cookie binding (and purpose). */
export function csrfTokenValid(
  key: Buffer,
  binding: string | undefined,
  token: string | undefined,
  purpose?: string,
): boolean {
  if (!binding || !token) return false;
  return equalInConstantTime(csrfToken(key, binding, purpose), token);
}
