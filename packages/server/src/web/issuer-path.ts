/**
 * The issuer's path (`/auth` for `https://example.com/auth`, `''` for `https://example.com`). Every endpoint is
 * served under it, because clients build every URL from the issuer: the metadata at
 * `<issuer>/.well-known/openid-configuration` (OIDC Discovery §4) and the endpoints it lists,
 * `<issuer>/api/oauth/…`. Config validation keeps the path plain (unreserved characters, no dot segments), so
 * it can be used as a route prefix and in a form action as it is.
 */
export function issuerPath(issuer: string): string {
  return new URL(issuer).pathname.replace(/\/+$/, '');
}
