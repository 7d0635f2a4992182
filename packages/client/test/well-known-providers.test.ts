import { describe, expect, it } from 'vitest';
import { createOAuth2Client, WellKnownProviders } from '../src/index.js';

describe('WellKnownProviders', () => {
  it.each([
    WellKnownProviders.google(),
    WellKnownProviders.github(),
    WellKnownProviders.microsoft({ tenant: 'contoso.onmicrosoft.com' }),
    WellKnownProviders.microsoft(),
    WellKnownProviders.okta({ domain: 'dev-1.okta.com' }),
    WellKnownProviders.auth0({ domain: 'tenant.eu.auth0.com' }),
  ])('$name preset builds a valid client', (preset) => {
    const client = createOAuth2Client({ ...preset.config, clientId: 'id', clientSecret: 'secret' });
    expect(client.config.tokenEndpoint).toMatch(/^https:\/\//);
  });

  it('keeps quirks as data', () => {
    expect(WellKnownProviders.google().quirks.authorizationParams).toEqual({ access_type: 'offline' });
    expect(WellKnownProviders.microsoft().quirks.multiTenantIssuer).toBe(true);
    expect(WellKnownProviders.microsoft().config.issuer).toBe(
      'https://login.microsoftonline.com/{tenantid}/v2.0',
    );
    const guid = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    expect(WellKnownProviders.microsoft({ tenant: guid }).config.issuer).toBe(
      `https://login.microsoftonline.com/${guid}/v2.0`,
    );
    expect(WellKnownProviders.okta({ domain: 'o.example' }).config.issuer).toBe(
      'https://o.example/oauth2/default',
    );
  });
});
