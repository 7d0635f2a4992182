/**
 * Multi-tenant issuers. Some providers publish one metadata document for many tenants, with the issuer
 * written as a template whose `{tenantid}` part differs per tenant (Microsoft Entra ID's discovery document
 * for `common` says `https://login.microsoftonline.com/{tenantid}/v2.0`). Such an issuer cannot be compared
 * as a string (OIDC Core §3.1.3.7 step 2 wants an exact match), so the expected issuer of each ID token is
 * built from the template and the token's own `tid` claim, which must be a GUID.
 */

/** The placeholder of an issuer template. */
export const TENANT_PLACEHOLDER = '{tenantid}';

/** The ID token claim naming the tenant that fills the placeholder. */
export const TENANT_CLAIM = 'tid';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `issuer` is a template with a `{tenantid}` placeholder. */
export function isIssuerTemplate(issuer: string): boolean {
  return issuer.includes(TENANT_PLACEHOLDER);
}

/** Whether `value` is a GUID (8-4-4-4-12 hex digits), the only tenant id a template accepts. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/**
 * The issuer one ID token must carry: the configured one, or for a template the template with the token's
 * tenant id put in. `undefined` when a template's tenant id is missing or not a GUID.
 */
export function expectedIssuer(configured: string, tenantId: unknown): string | undefined {
  if (!isIssuerTemplate(configured)) return configured;
  return isTenantId(tenantId) ? configured.replaceAll(TENANT_PLACEHOLDER, tenantId) : undefined;
}

/**
 * Whether an issuer sent by the server (e.g. the `iss` of an authorization response, RFC 9207 §2.4) is the
 * configured one: equal to it, or for a template equal to it with some GUID in place of `{tenantid}`.
 */
export function issuerMatches(configured: string, actual: string): boolean {
  if (!isIssuerTemplate(configured)) return actual === configured;
  const [before, ...rest] = configured.split(TENANT_PLACEHOLDER);
  const after = rest.join(TENANT_PLACEHOLDER);
  if (rest.length !== 1 || !actual.startsWith(before ?? '') || !actual.endsWith(after)) return false;
  return isTenantId(actual.slice((before ?? '').length, actual.length - after.length));
}
