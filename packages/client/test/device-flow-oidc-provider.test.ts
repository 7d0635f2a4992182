import { describe, expect, it } from 'vitest';
import { createOAuth2Client } from '../src/index.js';
import { approveOnDevicePages, SECRET, useTestProvider } from './support/oidc-provider.js';

const op = useTestProvider();

describe('device flow against a real oidc-provider', () => {
  it('approving the user code on the provider pages while polling yields an access token', async () => {
    const client = createOAuth2Client({
      clientId: 'basic',
      clientSecret: SECRET,
      issuer: op.issuer,
      tokenEndpoint: `${op.issuer}/token`,
      deviceAuthorizationEndpoint: `${op.issuer}/device/auth`,
      resilience: false,
    });
    const device = client.deviceAuthorization();
    const code = await device.requestDeviceCode({ scopes: ['openid'] });
    expect(code.userCode).toBeTruthy();
    // oidc-provider sends no interval (so 5 s by RFC 8628 §3.2); polling more often keeps the test short.
    const polling = device.awaitAuthorization(
      { ...code, interval: 0.2 },
      { signal: AbortSignal.timeout(25_000) },
    );
    const html = await approveOnDevicePages(code.verificationUriComplete ?? code.verificationUri);
    expect(html).toMatch(/success|sign-in|signed in/i);
    const tokens = await polling;
    expect(tokens.accessToken).toBeTruthy();
  }, 30_000);
});
