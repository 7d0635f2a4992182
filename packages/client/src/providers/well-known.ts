import type { OAuth2ClientConfig } from '../config/types.js';
import { isTenantId, TENANT_PLACEHOLDER } from '../oidc/issuer.js';

/** Provider behaviour that differs from the RFCs, as data. */
export interface ProviderQuirks {
  /** Extra authorization request parameters the provider needs (e.g. Google's `access_type=offline`). */
  authorizationParams?: Record<string, string>;
  /** The provider is plain OAuth 2 without OpenID Connect ID tokens. */
  noOidc?: boolean;
  /**
   * The `iss` of ID tokens varies per tenant: `config.issuer` is a `{tenantid}` template, filled with each
   * ID token's `tid` claim (a GUID) when it is validated.
   */
  multiTenantIssuer?: boolean;
  /** Access tokens for an API need an `audience` parameter. */
  requiresAudience?: boolean;
  /** The token endpoint may answer errors with HTTP 200 (handled: any `error` body is an error). */
  errorsWithStatus200?: boolean;
}

/** Endpoints and quirks of a well-known provider; spread `config` into {@link OAuth2ClientConfig}. */
export interface ProviderPreset {
  name: string;
  config: Omit<OAuth2ClientConfig, 'clientId'>;
  quirks: ProviderQuirks;
}

/** Presets for common providers (endpoints from each provider's published metadata). */
export const WellKnownProviders = {
  /**
   * Google (OIDC). Refresh tokens only with `access_type=offline`. Its device endpoint names the
   * verification URI `verification_url` (configured in `compat`).
   */
  google(): ProviderPreset {
    return {
      name: 'google',
      config: {
        issuer: 'https://accounts.google.com',
        authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
        tokenEndpoint: 'https://oauth2.googleapis.com/token',
        revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
        userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
        deviceAuthorizationEndpoint: 'https://oauth2.googleapis.com/device/code',
        jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
        tokenEndpointAuthMethod: 'client_secret_post',
        // The device endpoint answers `verification_url`, not RFC 8628 §3.2 `verification_uri`.
        compat: { verificationUriField: 'verification_url' },
      },
      quirks: { authorizationParams: { access_type: 'offline' } },
    };
  },

  /** GitHub OAuth apps (no OIDC; errors may come with HTTP 200; comma-separated `scope`, set in `compat`). */
  github(): ProviderPreset {
    return {
      name: 'github',
      config: {
        authorizationEndpoint: 'https://github.com/login/oauth/authorize',
        tokenEndpoint: 'https://github.com/login/oauth/access_token',
        deviceAuthorizationEndpoint: 'https://github.com/login/device/code',
        userinfoEndpoint: 'https://api.github.com/user',
        tokenEndpointAuthMethod: 'client_secret_post',
        // The token response's scope is comma-separated ("repo,gist"), not RFC 6749 §3.3 spaces.
        compat: { commaSeparatedScopes: true },
      },
      quirks: { noOidc: true, errorsWithStatus200: true },
    };
  },

  /**
   * Microsoft Entra ID v2.0 endpoints; `tenant` defaults to `common`. Entra puts the tenant's GUID in the
   * `iss` of every ID token, whatever name the endpoints use, so only a GUID tenant gets a fixed issuer. For
   * `common`, `organizations`, `consumers` or a domain name (`contoso.onmicrosoft.com`) the issuer is the
   * template `https://login.microsoftonline.com/{tenantid}/v2.0`, filled with each ID token's `tid`: any
   * tenant's users are then accepted, so pass the tenant GUID to pin a single-tenant app to its tenant.
   */
  microsoft(options: { tenant?: string } = {}): ProviderPreset {
    const tenant = options.tenant ?? 'common';
    const base = `https://login.microsoftonline.com/${encodeURIComponent(tenant)}`;
    const fixedIssuer = isTenantId(tenant);
    return {
      name: 'microsoft',
      config: {
        issuer: fixedIssuer ? `${base}/v2.0` : `https://login.microsoftonline.com/${TENANT_PLACEHOLDER}/v2.0`,
        authorizationEndpoint: `${base}/oauth2/v2.0/authorize`,
        tokenEndpoint: `${base}/oauth2/v2.0/token`,
        deviceAuthorizationEndpoint: `${base}/oauth2/v2.0/devicecode`,
        userinfoEndpoint: 'https://graph.microsoft.com/oidc/userinfo',
        jwksUri: `${base}/discovery/v2.0/keys`,
      },
      quirks: fixedIssuer ? {} : { multiTenantIssuer: true },
    };
  },

  /** Okta custom authorization server (`authorizationServerId` defaults to `default`). */
  okta(options: { domain: string; authorizationServerId?: string }): ProviderPreset {
    const issuer = `https://${options.domain}/oauth2/${options.authorizationServerId ?? 'default'}`;
    return {
      name: 'okta',
      config: {
        issuer,
        authorizationEndpoint: `${issuer}/v1/authorize`,
        tokenEndpoint: `${issuer}/v1/token`,
        introspectionEndpoint: `${issuer}/v1/introspect`,
        revocationEndpoint: `${issuer}/v1/revoke`,
        userinfoEndpoint: `${issuer}/v1/userinfo`,
        deviceAuthorizationEndpoint: `${issuer}/v1/device/authorize`,
        jwksUri: `${issuer}/v1/keys`,
      },
      quirks: {},
    };
  },

  /** Auth0 tenant; API access tokens need `audience`. */
  auth0(options: { domain: string }): ProviderPreset {
    const base = `https://${options.domain}`;
    return {
      name: 'auth0',
      config: {
        issuer: `${base}/`,
        authorizationEndpoint: `${base}/authorize`,
        tokenEndpoint: `${base}/oauth/token`,
        revocationEndpoint: `${base}/oauth/revoke`,
        userinfoEndpoint: `${base}/userinfo`,
        deviceAuthorizationEndpoint: `${base}/oauth/device/code`,
        jwksUri: `${base}/.well-known/jwks.json`,
        tokenEndpointAuthMethod: 'client_secret_post',
      },
      quirks: { requiresAudience: true },
    };
  },
} as const;
