/** Seconds since the epoch (JWT NumericDate, RFC 7519 §2). */
export const nowSecs = (): number => Math.floor(Date.now() / 1000);
