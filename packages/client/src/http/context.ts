import type { OAuth2ClientConfig } from '../config/types.js';
import { ConfigurationError } from '../errors/index.js';
import { isIssuerTemplate } from '../oidc/issuer.js';
import { applyClientAuth } from './client-auth.js';
import type { EndpointKind, HttpResponse, RetryPolicy, Transport } from './transport.js';

/** What every flow needs: the validated config and the one transport. */
export interface ClientContext {
  readonly config: OAuth2ClientConfig;
  readonly transport: Transport;
}

/** Returns a configured endpoint or throws ConfigurationError naming the missing field. */
export function requireEndpoint(
  config: OAuth2ClientConfig,
  field:
    | 'introspectionEndpoint'
    | 'revocationEndpoint'
    | 'userinfoEndpoint'
    | 'deviceAuthorizationEndpoint'
    | 'authorizationEndpoint'
    | 'jwksUri'
    | 'redirectUri',
): string {
  const value = config[field];
  if (!value) {
    throw new ConfigurationError(`invalid configuration: ${field} is required for this operation`, {
      code: 'invalid_configuration',
    });
  }
  return value;
}

export interface FormPost {
  endpoint: EndpointKind;
  url: string;
  params: URLSearchParams;
  retry: RetryPolicy;
  grantType?: string;
  signal?: AbortSignal;
}

/**
 * The `aud` of client assertions (RFC 7523 §3): the issuer, or the endpoint URL when there is no single
 * issuer (none configured, or a multi-tenant `{tenantid}` template).
 */
function assertionAudience(config: OAuth2ClientConfig, url: string): string {
  const issuer = config.issuer;
  return issuer === undefined || isIssuerTemplate(issuer) ? url : issuer;
}

/** POSTs an authenticated form (RFC 6749 §3.2) through the transport. */
export async function postAuthenticatedForm(ctx: ClientContext, post: FormPost): Promise<HttpResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  await applyClientAuth(ctx.config, post.params, headers, assertionAudience(ctx.config, post.url));
  return ctx.transport({
    method: 'POST',
    url: post.url,
    headers,
    body: post.params.toString(),
    endpoint: post.endpoint,
    retry: post.retry,
    ...(post.grantType !== undefined ? { grantType: post.grantType } : {}),
    ...(post.signal !== undefined ? { signal: post.signal } : {}),
  });
}
