import { z } from 'zod';
import { ConfigurationError } from '../errors/index.js';
import { assertSecureEndpoint } from '../http/secure-endpoint.js';
import type { OAuth2ClientConfig, ProviderEndpoints } from './types.js';

const endpoint = z.string().min(1).optional();

const schema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  tokenEndpointAuthMethod: z
    .enum(['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'])
    .optional(),
  privateKey: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
  clientAssertionAlg: z.string().min(1).optional(),
  keyId: z.string().min(1).optional(),
  // A multi-tenant issuer template names its tenant once (see oidc/issuer.ts).
  issuer: endpoint.refine((v) => v === undefined || v.split('{tenantid}').length <= 2, {
    message: 'may contain {tenantid} only once',
  }),
  tokenEndpoint: z.string().min(1),
  authorizationEndpoint: endpoint,
  introspectionEndpoint: endpoint,
  revocationEndpoint: endpoint,
  userinfoEndpoint: endpoint,
  deviceAuthorizationEndpoint: endpoint,
  jwksUri: endpoint,
  redirectUri: z.string().url().optional(),
  authorizationResponseIssParameterSupported: z.boolean().optional(),
  compat: z
    .strictObject({
      verificationUriField: z.string().min(1).optional(),
      commaSeparatedScopes: z.boolean().optional(),
    })
    .optional(),
  scopes: z
    .array(
      z
        .string()
        .min(1)
        .regex(/^[^\s]+$/),
    )
    .optional(),
  timeoutSecs: z.number().positive().max(600).optional(),
  maxResponseBytes: z.number().int().positive().optional(),
  fetch: z.custom<typeof fetch>((v) => typeof v === 'function').optional(),
  transport: z.custom<object>((v) => typeof v === 'function').optional(),
  resilience: z.union([z.literal(false), z.object({}).passthrough()]).optional(),
  telemetry: z.object({}).passthrough().optional(),
  storage: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
  tokenLock: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
  lockTtlMs: z.number().int().min(1000).max(3_600_000).optional(),
  machineClient: z.boolean().optional(),
  logger: z.custom<object>((v) => typeof v === 'object' && v !== null).optional(),
  refreshSkewSecs: z.number().min(0).max(3600).optional(),
  provider: z.string().min(1).optional(),
  onTokenAcquired: z.custom<object>((v) => typeof v === 'function').optional(),
  onTokenRefreshed: z.custom<object>((v) => typeof v === 'function').optional(),
  onTokenExpired: z.custom<object>((v) => typeof v === 'function').optional(),
});

/** The endpoints a client may have besides the token endpoint (all of them optional in discovery too). */
export const OPTIONAL_ENDPOINT_FIELDS = [
  'authorizationEndpoint',
  'introspectionEndpoint',
  'revocationEndpoint',
  'userinfoEndpoint',
  'deviceAuthorizationEndpoint',
  'jwksUri',
] as const satisfies readonly (keyof ProviderEndpoints)[];

const ENDPOINT_FIELDS = ['issuer', 'tokenEndpoint', ...OPTIONAL_ENDPOINT_FIELDS] as const;

/**
 * Validates a client configuration; throws {@link ConfigurationError} naming the first bad field
 * (`invalid_configuration`) or a non-HTTPS endpoint (`insecure_endpoint`).
 */
export function validateConfig(config: OAuth2ClientConfig): OAuth2ClientConfig {
  const result = schema.safeParse(config);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || 'config';
    throw new ConfigurationError(`invalid configuration: ${field} ${issue?.message ?? ''}`.trim(), {
      code: 'invalid_configuration',
    });
  }
  for (const field of ENDPOINT_FIELDS) {
    const value = config[field];
    if (value !== undefined) assertSecureEndpoint(value, field);
  }
  if (config.authorizationResponseIssParameterSupported && !config.issuer) {
    // RFC 9207 §2.4: the iss of every authorization response is compared with the issuer; without one,
    // any iss would pass and the mix-up defence would be silently off.
    throw new ConfigurationError(
      'invalid configuration: issuer is required when authorizationResponseIssParameterSupported is set (RFC 9207)',
      { code: 'invalid_configuration' },
    );
  }
  const method = config.tokenEndpointAuthMethod;
  const needsSecret =
    method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt';
  if (needsSecret && !config.clientSecret) {
    throw new ConfigurationError(`invalid configuration: clientSecret is required for ${method}`, {
      code: 'invalid_configuration',
    });
  }
  if (method === 'private_key_jwt' && !config.privateKey) {
    throw new ConfigurationError('invalid configuration: privateKey is required for private_key_jwt', {
      code: 'invalid_configuration',
    });
  }
  return config;
}

/** The effective client authentication method (RFC 6749 §2.3.1 basic is the default with a secret). */
export function effectiveAuthMethod(config: OAuth2ClientConfig) {
  if (config.tokenEndpointAuthMethod) return config.tokenEndpointAuthMethod;
  if (config.clientSecret) return 'client_secret_basic';
  if (config.privateKey) return 'private_key_jwt';
  return 'none';
}
