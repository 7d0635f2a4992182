import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/** base64url SHA-256: how high-entropy artefacts (codes, refresh tokens, device codes) are keyed at rest. */
// One-shot crypto.hash (Node ≥ 20.12): no Hash object per call on the per-request paths.
export const sha256Key = (value: string): string => hash('sha256', value, 'base64url');

/** base64url HMAC-SHA-256 under a purpose key (purpose-keys.ts): values a client must not be able to compute. */
export const hmacKey = (key: Buffer, value: string): string =>
  createHmac('sha256', key).update(value).digest('base64url');

/** Whether two strings are equal, in time that does not depend on where they differ (only on their lengths). */
export function equalInConstantTime(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
