import { describe, expect, it } from 'vitest';
import { NetworkError } from '../src/index.js';
import { onFakeClock } from './support/fake-clock.js';
import { startScriptedDevice } from './support/scripted-device.js';

describe('device flow: transient failures while polling (RFC 8628 §3.5)', () => {
  it('a poll whose response was lost is not resent by the retry layer (the device code may be spent)', async () => {
    const { server, polls, client } = await startScriptedDevice([
      'drop',
      { access_token: 'at', token_type: 'Bearer' },
    ]);
    const error = await client
      .deviceAuthorization()
      .pollToken('dc')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(polls).toHaveLength(1);
    await server.close();
  });

  it('awaitAuthorization polls again after a lost response or a 5xx, doubling the interval each time', async () => {
    const { server, polls, client } = await startScriptedDevice([
      'drop',
      503,
      { access_token: 'at', token_type: 'Bearer' },
    ]);
    const flow = client.deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 0.5 };
    const tokens = await onFakeClock(() => flow.awaitAuthorization(response));
    expect(tokens.accessToken).toBe('at');
    expect(polls).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = polls;
    expect(second - first).toBeGreaterThanOrEqual(950); // 0.5 s doubled
    expect(third - second).toBeGreaterThanOrEqual(1950); // doubled again
    await server.close();
  });

  it('transient failures never outlive the device code: expired_token at the deadline', async () => {
    const { server, polls, client } = await startScriptedDevice(['drop', 'drop', 'drop', 'drop', 'drop']);
    const flow = client.deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 0.2, expiresIn: 1.5 };
    await expect(flow.awaitAuthorization(response)).rejects.toMatchObject({
      name: 'TokenError',
      code: 'expired_token',
    });
    expect(polls.length).toBeGreaterThanOrEqual(2);
    await server.close();
  }, 20_000);

  it('a caller abort still stops polling at once', async () => {
    const { server, client } = await startScriptedDevice([]);
    const flow = client.deviceAuthorization();
    const response = { ...(await flow.requestDeviceCode()), interval: 0.05 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 200);
    await expect(flow.awaitAuthorization(response, { signal: controller.signal })).rejects.toThrow();
    await server.close();
  });
});
