export type TokenEndpointAuthMethod =
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt'
  | 'none';

export interface Client {
  clientId: string;
  secretHash: string | null;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: string[];
  scopes: string[];
  redirectUris: string[];
  /** Ignored for public clients, which always need PKCE S256. */
  requirePkce: boolean;
  skipConsent: boolean;
  /** Human-readable name shown on the login and consent pages (OIDC Dynamic Client Registration §2). */
  clientName: string | null;
  /** RP-Initiated Logout 1.0 §3: the only URIs a logout may redirect to (not redirect_uris). */
  postLogoutRedirectUris: string[];
  /** private_key_jwt (RFC 7523 §2.2): the client's public keys inline, or … */
  jwks: JsonWebKeySet | null;
  /** … fetched from this URL. Exactly one of the two is set for private_key_jwt clients. */
  jwksUri: string | null;
  /**
   * RFC 8707: the resource indicators this client may ask tokens for (each becomes the token's `aud`).
   * Anything else is `invalid_target`; empty: tokens for the issuer only.
   */
  resources: string[];
}

/** A JWK Set holding public keys only (RFC 7517 §5). */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

export interface User {
  id: string;
  username: string;
  email: string | null;
  name: string | null;
}

export interface SigningKeyInfo {
  kid: string;
  alg: string;
  /** next: published, not yet signing · active: signing · retired: published for verification only. */
  status: 'next' | 'active' | 'retired';
  createdAt: Date;
}

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  client_id: string;
  scope?: string;
  iat: number;
  exp: number;
  jti: string;
  /**
   * Private claim (RFC 7519 §4.3) on tokens issued for a user grant (authorization code, device code and
   * every refresh rotated from them): the same opaque id for the whole grant, so revoking the grant
   * revokes every access token it issued. Random or an HMAC under the server secret, never derived in
   * clear from a code. Absent on client-credentials tokens.
   */
  grant_id?: string;
}

/** RFC 8628 §3.4 `grant_type` of the device access token request. */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

export const GRANT_TYPES_SUPPORTED = [
  'client_credentials',
  'authorization_code',
  'refresh_token',
  DEVICE_CODE_GRANT_TYPE,
] as const;

/**
 * RFC 8707 §2: an absolute URI (RFC 3986 §4.3) with no fragment. Checked on the raw value, which becomes
 * `aud` as sent: the WHATWG URL parser alone would accept it after stripping spaces, tabs and newlines, and
 * reports a bare trailing `#` as no fragment.
 */
const ABSOLUTE_URI_WITHOUT_FRAGMENT = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21\x22\x24-\x7e]+$/;
export const isResourceIndicator = (value: string): boolean =>
  ABSOLUTE_URI_WITHOUT_FRAGMENT.test(value) && URL.canParse(value);

/** Longest username (a sign-in form field, not a document): the config and the sign-in form refuse longer. */
export const MAX_USERNAME_LENGTH = 256;
