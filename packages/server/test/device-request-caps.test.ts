import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, DEVICE_CODE_GRANT_TYPE } from '../src/domain/index.js';
import { MemoryStore } from '../src/infra/store/index.js';
import { addressGroup, DEVICE_REQUESTS_PER_ADDRESS } from '../src/service/device/device-request-caps.js';
import { DeviceRequests } from '../src/service/device/device-requests.js';
import { type TestApp, testApp } from './support/app.js';
import { FORM } from './support/form-login.js';

/*
 * A public client's device authorization request proves nothing and writes two store entries for ten minutes:
 * it is capped per address and per client, answered like the rate limits (429 temporarily_unavailable with
 * Retry-After: RFC 8628 §3.2 has no error of its own for this).
 */

const TV = { client_id: 'tv', token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE_GRANT_TYPE] };

describe('device authorization request caps', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ clients: [TV] });
  });
  afterAll(async () => t.close());

  const start = (remoteAddress: string, scope = 'openid') =>
    t.app.inject({
      method: 'POST',
      url: '/api/oauth/device_authorization',
      remoteAddress,
      headers: FORM,
      payload: new URLSearchParams({ client_id: 'tv', scope }).toString(),
    });

  it('answers 429 temporarily_unavailable with Retry-After past the cap of one address', async () => {
    for (let i = 0; i < DEVICE_REQUESTS_PER_ADDRESS; i++)
      expect((await start('203.0.113.7')).statusCode).toBe(200);
    const refused = await start('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'too many device authorization requests from this address, retry later',
    });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Another address is not affected.
    expect((await start('203.0.113.8')).statusCode).toBe(200);
  });

  it('counts the addresses of one IPv6 /64 together', async () => {
    for (let i = 0; i < DEVICE_REQUESTS_PER_ADDRESS; i++)
      expect((await start(`2001:db8:7:7::${(i + 1).toString(16)}`)).statusCode).toBe(200);
    expect((await start('2001:db8:7:7:ffff::1')).statusCode).toBe(429);
    expect((await start('2001:db8:7:8::1')).statusCode).toBe(200);
  });

  it('does not count a request refused for its own fault (nothing was written for it)', async () => {
    for (let i = 0; i < DEVICE_REQUESTS_PER_ADDRESS + 5; i++)
      expect((await start('203.0.113.9', 'no-such-scope')).statusCode).toBe(400);
    expect((await start('203.0.113.9')).statusCode).toBe(200);
  });
});

describe('addressGroup', () => {
  it('keeps IPv4, unmaps IPv4-mapped IPv6 and groups IPv6 by /64', () => {
    expect(addressGroup('192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
  });
});

describe('the per-client cap', () => {
  const client = { clientId: 'tv', grantTypes: [DEVICE_CODE_GRANT_TYPE], scopes: [] } as unknown as Client;
  const requests = () =>
    new DeviceRequests(new MemoryStore(), {
      issuer: 'https://id.example.com',
      scopesSupported: ['openid'],
      caps: { perAddress: 2, perClient: 3 },
    });

  it('holds across addresses, and an address over its own cap uses none of the client allowance', async () => {
    const r = requests();
    await r.start(client, 'openid', '198.51.100.1');
    await r.start(client, 'openid', '198.51.100.1');
    for (let i = 0; i < 5; i++)
      await expect(r.start(client, 'openid', '198.51.100.1')).rejects.toMatchObject({
        status: 429,
        description: 'too many device authorization requests from this address, retry later',
      });
    await r.start(client, 'openid', '198.51.100.2');
    await expect(r.start(client, 'openid', '198.51.100.3')).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      status: 429,
      description: 'too many device authorization requests for this client, retry later',
    });
  });
});
