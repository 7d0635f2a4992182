import type { FastifyInstance } from 'fastify';
import { ASSERTION_SIGNING_ALGS } from '../../service/clients/client-assertion.js';
import { issuerPath } from '../issuer-path.js';

/**
 * Methods accepted by ClientAuthentication.authenticate at endpoints where confidential clients authenticate.
 */
const CONFIDENTIAL_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

export interface DiscoveryOptions {
  issuer: string;
  scopesSupported: string[];
  /** From the token endpoint's grant registry. */
  grantTypes: string[];
}

/** OIDC Discovery §3 / RFC 8414 §2 metadata. */
export function discoveryDocument({
  issuer,
  scopesSupported,
  grantTypes,
}: DiscoveryOptions): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/api/oauth/authorize`,
    token_endpoint: `${issuer}/api/oauth/token`,
    userinfo_endpoint: `${issuer}/api/oauth/userinfo`,
    end_session_endpoint: `${issuer}/api/oauth/logout`,
    device_authorization_endpoint: `${issuer}/api/oauth/device_authorization`,
    introspection_endpoint: `${issuer}/api/oauth/introspect`,
    revocation_endpoint: `${issuer}/api/oauth/revoke`,
    jwks_uri: `${issuer}/api/oauth/jwks`,
    grant_types_supported: grantTypes,
    response_types_supported: ['code'],
    scopes_supported: scopesSupported,
    // RFC 8414 §2: `none` (public clients) only at the token and revocation endpoints.
    token_endpoint_auth_methods_supported: [...CONFIDENTIAL_AUTH_METHODS, 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    response_modes_supported: ['query'],
    // OIDC Discovery §3: request_uri_parameter_supported defaults to true, so both are stated (OIDC Core §6).
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'at_hash',
      'sid',
      'name',
      'preferred_username',
      'email',
      'email_verified',
    ],
    introspection_endpoint_auth_methods_supported: [...CONFIDENTIAL_AUTH_METHODS],
    introspection_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    revocation_endpoint_auth_methods_supported: [...CONFIDENTIAL_AUTH_METHODS, 'none'],
    revocation_endpoint_auth_signing_alg_values_supported: [...ASSERTION_SIGNING_ALGS],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    access_token_signing_alg_values_supported: ['ES256'],
  };
}

/**
 * The metadata where each spec says a client looks for it, for an issuer with a path (`/auth`) too: OIDC
 * Discovery §4 appends `/.well-known/openid-configuration` to the issuer (`/auth/.well-known/…`); RFC 8414 §3.1
 * inserts `/.well-known/oauth-authorization-server` between the host and the issuer's path
 * (`/.well-known/oauth-authorization-server/auth`). Without a path the two coincide with the root forms.
 */
export function discoveryRoutes(options: DiscoveryOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    const path = issuerPath(options.issuer);
    // Built once: nothing in it changes while the server runs.
    const doc = discoveryDocument(options);
    app.get(`${path}/.well-known/openid-configuration`, async () => doc);
    app.get(`/.well-known/oauth-authorization-server${path}`, async () => doc);
  };
}
