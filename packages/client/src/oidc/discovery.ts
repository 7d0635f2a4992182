import type { ProviderEndpoints } from '../config/types.js';
import { ProtocolError } from '../errors/index.js';
import { createFetchTransport } from '../http/fetch-transport.js';
import { readSuccessBody } from '../http/response.js';
import { assertSecureEndpoint } from '../http/secure-endpoint.js';
import type { Transport } from '../http/transport.js';
import { isIssuerTemplate, TENANT_PLACEHOLDER } from './issuer.js';

/** The subset of RFC 8414 / OIDC Discovery 1.0 metadata the client uses; `raw` keeps all of it. */
export interface ProviderMetadata extends ProviderEndpoints {
  issuer: string;
  raw: Record<string, unknown>;
}

const TTL_MS = 60 * 60 * 1000;
const cache = new Map<string, { at: number; metadata: ProviderMetadata }>();

/** Empties the in-process discovery cache (for tests). */
export function clearDiscoveryCache(): void {
  cache.clear();
}

function wellKnownUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  return [
    // OIDC Discovery 1.0 §4: appended to the issuer
    `${url.origin}${path}/.well-known/openid-configuration`,
    // RFC 8414 §3: inserted before the path
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/**
 * Fetches provider metadata (OIDC Discovery 1.0 §4, falling back to RFC 8414 §3), requiring an exact
 * `issuer` match (RFC 8414 §3.3). Results are cached per issuer in-process for one hour.
 * Throws ProtocolError `discovery_failed`.
 */
export async function discover(
  issuer: string,
  options: { transport?: Transport } = {},
): Promise<ProviderMetadata> {
  assertSecureEndpoint(issuer, 'issuer');
  const hit = cache.get(issuer);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.metadata;
  const transport = options.transport ?? createFetchTransport();
  let lastError: unknown;
  for (const url of wellKnownUrls(issuer)) {
    try {
      const response = await transport({
        method: 'GET',
        url,
        headers: { accept: 'application/json' },
        endpoint: 'discovery',
        retry: 'safe',
      });
      const raw = readSuccessBody(response, 'discovery');
      const metadata = toMetadata(raw, issuer);
      cache.set(issuer, { at: Date.now(), metadata });
      return metadata;
    } catch (error) {
      if (error instanceof ProtocolError && error.code === 'discovery_failed') throw error;
      lastError = error;
    }
  }
  throw new ProtocolError(`discovery failed for ${issuer}`, { code: 'discovery_failed', cause: lastError });
}

/**
 * The issuer of a discovery document, which must be the requested one (RFC 8414 §3.3, against mix-up).
 * A multi-tenant document may instead publish a `{tenantid}` template (Entra ID's `common` endpoint); it
 * is accepted when it equals the requested issuer with one path segment of it replaced by the placeholder,
 * and is then the issuer ID tokens are validated against (each with its own tenant, see `issuer.ts`).
 */
function documentIssuer(published: string | undefined, requested: string): string {
  if (published === requested) return requested;
  if (published !== undefined && isIssuerTemplate(published) && templateCovers(published, requested)) {
    return published;
  }
  throw new ProtocolError('discovery issuer does not match the requested issuer (RFC 8414 §3.3)', {
    code: 'discovery_failed',
  });
}

/** Whether `requested` is `template` with its single `{tenantid}` replaced by one path segment. */
function templateCovers(template: string, requested: string): boolean {
  const parts = template.split(TENANT_PLACEHOLDER);
  if (parts.length !== 2) return false;
  const [before = '', after = ''] = parts;
  if (!requested.startsWith(before) || !requested.endsWith(after)) return false;
  const segment = requested.slice(before.length, requested.length - after.length);
  return /^[A-Za-z0-9._-]+$/.test(segment);
}

function toMetadata(raw: Record<string, unknown>, requested: string): ProviderMetadata {
  const s = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  const issuer = documentIssuer(s('issuer'), requested);
  const tokenEndpoint = s('token_endpoint');
  if (!tokenEndpoint) {
    throw new ProtocolError('discovery document lacks token_endpoint', { code: 'discovery_failed' });
  }
  const metadata: ProviderMetadata = { issuer, tokenEndpoint, raw };
  const map = [
    ['authorizationEndpoint', 'authorization_endpoint'],
    ['introspectionEndpoint', 'introspection_endpoint'],
    ['revocationEndpoint', 'revocation_endpoint'],
    ['userinfoEndpoint', 'userinfo_endpoint'],
    ['deviceAuthorizationEndpoint', 'device_authorization_endpoint'],
    ['jwksUri', 'jwks_uri'],
  ] as const;
  for (const [key, field] of map) {
    const value = s(field);
    if (value) metadata[key] = value;
  }
  if (raw['authorization_response_iss_parameter_supported'] === true) {
    metadata.authorizationResponseIssParameterSupported = true;
  }
  return metadata;
}
