import { describe, expect, it } from 'vitest';
import { createOAuth2ClientFromDiscovery, TokenError } from '../src/index.js';
import { onFakeClock } from './support/fake-clock.js';
import { SECRET, useTestProvider } from './support/oidc-provider.js';
import { startScriptedDevice } from './support/scripted-device.js';

const op = useTestProvider();

describe('device flow (RFC 8628)', () => {
  it('gets a device code from a real oidc-provider and polls pending', async () => {
    const client = await createOAuth2ClientFromDiscovery(op.issuer, {
      clientId: 'basic',
      clientSecret: SECRET,
    });
    const device = client.deviceAuthorization();
    const response = await device.requestDeviceCode({ scopes: ['openid'] });
    expect(response.userCode).toBeTruthy();
    expect(response.verificationUri).toContain(op.issuer);
    expect(await device.pollToken(response.deviceCode)).toEqual({ status: 'pending' });
  });

  it('polls through pending and slow_down to success, adding 5 s on slow_down', async () => {
    const { server, client } = await startScriptedDevice([
      { error: 'authorization_pending' },
      { error: 'slow_down' },
      { access_token: 'at', token_type: 'Bearer' },
    ]);
    const device = client.deviceAuthorization();
    const response = await device.requestDeviceCode();
    const { tokens, elapsedMs } = await onFakeClock(async () => {
      const started = Date.now();
      const tokens = await device.awaitAuthorization(response);
      return { tokens, elapsedMs: Date.now() - started };
    });
    expect(tokens.accessToken).toBe('at');
    expect(elapsedMs).toBeGreaterThanOrEqual(5000);
    await server.close();
  });

  it('reports denied and expired as results, and awaitAuthorization throws them', async () => {
    const denied = await startScriptedDevice([{ error: 'access_denied' }]);
    const flow = denied.client.deviceAuthorization();
    expect(await flow.pollToken('dc')).toMatchObject({ status: 'denied' });
    const error = await flow.awaitAuthorization(await flow.requestDeviceCode()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'access_denied' });
    await denied.server.close();

    const expired = await startScriptedDevice([{ error: 'expired_token' }]);
    expect(await expired.client.deviceAuthorization().pollToken('dc')).toMatchObject({
      status: 'expired',
    });
    await expired.server.close();
  });

  it('stops polling when the signal aborts', async () => {
    const { server, client } = await startScriptedDevice([{ error: 'authorization_pending' }]);
    const flow = client.deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 1 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(flow.awaitAuthorization(response, { signal: controller.signal })).rejects.toThrow('stop');
    await server.close();
  });
});
