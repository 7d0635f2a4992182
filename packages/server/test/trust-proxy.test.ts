import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/index.js';
import { testApp, testConfig } from './support/app.js';
import { basic } from './support/http.js';

const BASIC = basic('svc-basic', 'basic-secret');
const PROXY = '10.9.0.1';

type App = Awaited<ReturnType<typeof testApp>>;
let open: App[] = [];
afterEach(async () => {
  for (const t of open) await t.close();
  open = [];
});

/** Per-IP limit of 2 a minute (per-client out of reach), trusting `trust_proxy`. */
async function appTrusting(trustProxy: unknown): Promise<App> {
  const t = await testApp({
    server: { trust_proxy: trustProxy },
    rate_limit: { per_ip_per_minute: 2, per_client_per_minute: 1000 },
  });
  open.push(t);
  return t;
}

/** A token request arriving from the proxy's address on behalf of `forwardedFor`. */
const viaProxy = (t: App, forwardedFor: string | undefined, from = PROXY) =>
  t.app.inject({
    method: 'POST',
    url: '/api/oauth/token',
    remoteAddress: from,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: BASIC,
      ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}),
    },
    payload: 'grant_type=client_credentials',
  });

const statuses = async (t: App, forwardedFor: string | undefined, n: number, from = PROXY) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await viaProxy(t, forwardedFor, from)).statusCode);
  return out;
};

describe('server.trust_proxy: the per-IP limit behind a load balancer', () => {
  it('with the proxy trusted, counts each forwarded client separately', async () => {
    const t = await appTrusting(`${PROXY}/32`);
    expect(await statuses(t, '203.0.113.7', 3)).toEqual([200, 200, 429]);
    // Another user behind the same proxy still has a budget of their own.
    expect(await statuses(t, '203.0.113.8', 2)).toEqual([200, 200]);
  });

  it('by default ignores X-Forwarded-For, so a client cannot dodge its limit by sending one', async () => {
    const t = await appTrusting(false);
    expect(await statuses(t, '203.0.113.7', 2)).toEqual([200, 200]);
    // A new forwarded address from the same peer is still the same peer.
    expect(await statuses(t, '203.0.113.99', 1)).toEqual([429]);
  });

  it('trusts X-Forwarded-For only from the configured proxy addresses', async () => {
    const t = await appTrusting(`${PROXY}, 127.0.0.1`);
    const stranger = '198.51.100.5';
    expect(await statuses(t, '203.0.113.1', 2, stranger)).toEqual([200, 200]);
    expect(await statuses(t, '203.0.113.2', 1, stranger)).toEqual([429]);
  });

  it('with a hop count, takes the address that many proxies back', async () => {
    const t = await appTrusting(1);
    // Client-supplied garbage on the left is not trusted: one hop means the last entry the proxy added.
    expect(await statuses(t, '1.2.3.4, 203.0.113.7', 2)).toEqual([200, 200]);
    expect(await statuses(t, '5.6.7.8, 203.0.113.7', 1)).toEqual([429]);
    expect(await statuses(t, '1.2.3.4, 203.0.113.8', 1)).toEqual([200]);
  });
});

describe('server.trust_proxy configuration', () => {
  it('defaults to false', () => {
    expect(testConfig().server.trust_proxy).toBe(false);
  });

  it('reads SERVER__TRUST_PROXY and TRUST_PROXY: booleans, hop counts and address lists', () => {
    const fromEnv = (env: NodeJS.ProcessEnv) => testConfig({}, env).server.trust_proxy;
    expect(fromEnv({ SERVER__TRUST_PROXY: 'true' })).toBe(true);
    expect(fromEnv({ TRUST_PROXY: 'false' })).toBe(false);
    expect(fromEnv({ SERVER__TRUST_PROXY: '2' })).toBe(2);
    expect(fromEnv({ SERVER__TRUST_PROXY: '10.0.0.0/8, fd00::/8,loopback, 192.0.2.1' })).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
      'loopback',
      '192.0.2.1',
    ]);
  });

  it('stops start-up naming the key for a value that is not an address, range or hop count', () => {
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '0', '10.0.0.1/8/2', 'fd00::/129']) {
      expect(() => testConfig({}, { SERVER__TRUST_PROXY: bad }), bad).toThrow(ConfigError);
      expect(() => testConfig({}, { SERVER__TRUST_PROXY: bad }), bad).toThrow(/server\.trust_proxy/);
    }
  });
});
