/**
 * Every key the store holds, by what it is for. Values from requests never appear in clear: codes, tokens and
 * usernames are SHA-256 hashes (fixed length, nothing to read back), addresses and ids are bounded. The rate
 * limiter keeps its own counters under `rate-limit:` (web/hooks/rate-limit.ts).
 */
export const storeKeys = {
  /** An authorization code's record, by the SHA-256 of the code (RFC 6749 §4.1.2). */
  authorizationCode: (codeHash: string) => `code:${codeHash}`,
  /** A device authorization request, by the SHA-256 of the device code (RFC 8628 §3.2). */
  deviceRequest: (deviceCodeHash: string) => `device:${deviceCodeHash}`,
  /** The device code a pending user code stands for (RFC 8628 §3.3). */
  userCode: (normalized: string) => `usercode:${normalized}`,
  /** Present for one polling interval after each poll (RFC 8628 §3.5 `slow_down`). */
  devicePoll: (deviceCodeHash: string) => `devicepoll:${deviceCodeHash}`,
  /** "First one wins" marker of a single-use artefact (service/single-use.ts). */
  claim: (kind: string, id: string) => `claim:${kind}:${id}`,
  /** A revoked access token, by its `jti` (RFC 7009 §2). */
  revokedAccessToken: (jti: string) => `revoked:${jti}`,
  /** A revoked user grant: its access tokens (`grant_id`) and refresh tokens are refused. */
  revokedGrant: (grantId: string) => `grant-revoked:${grantId}`,
  /** A signed-in browser session, by its id (the session cookie's value). */
  session: (sid: string) => `session:${sid}`,
  /** The scopes a user consented to for a client, read through from the database. */
  consent: (userId: string, clientId: string) => `consent:${userId}:${clientId}`,
  /** Failed sign-ins for a username (the SHA-256 of it, lower-cased). */
  signInFailuresOfUser: (usernameHash: string) => `login-fail:u:${usernameHash}`,
  /** Failed sign-ins from one client address. */
  signInFailuresFromAddress: (ip: string) => `login-fail:ip:${ip}`,
  /** Device authorization requests a client started in one window (RFC 8628 §3.1; device-request-caps.ts). */
  deviceRequestsOfClient: (clientId: string, window: number) => `device-starts:c:${window}:${clientId}`,
  /** Device authorization requests started from one address (an IPv6 /64) in one window. */
  deviceRequestsFromAddress: (address: string, window: number) => `device-starts:ip:${window}:${address}`,
  /** The successor of a just-rotated refresh token, encrypted under it, by its SHA-256 (rotation-grace.ts). */
  rotatedRefreshToken: (tokenHash: string) => `refresh-grace:${tokenHash}`,
  /** User codes looked up from one client address (RFC 8628 §5.1). */
  userCodeGuessesFromAddress: (ip: string) => `user-code-fail:ip:${ip}`,
} as const;
