import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openGatehouse } from '../src/app/gatehouse.js';
import { buildApp, createServer, type GatehouseServer } from '../src/app/server.js';
import { loadConfig } from '../src/config/index.js';
import { SECRET, testApp, testConfig } from './support/app.js';
import { freePort } from './support/http.js';

/*
 * `/metrics` describes the server's traffic and must not face the internet: with `metrics.port` it is served on
 * a listener of its own, started and stopped with the server, and never on the main port; in production it is
 * not on the main port even without one.
 */

const open: { server: GatehouseServer; close: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function started(metrics: Record<string, unknown>) {
  const ctx = await openGatehouse(testConfig({ server: { host: '127.0.0.1', port: 0 }, metrics }));
  const server = await createServer(ctx);
  const close = async () => {
    await server.close(1_000);
    await ctx.close();
  };
  open.push({ server, close });
  return { server, addresses: await server.listen(), close };
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
const accepting = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

describe('metrics listener', () => {
  it('serves /metrics on metrics.host:metrics.port only, and closes it with the server', async () => {
    const port = await freePort();
    const { addresses, close } = await started({ port });
    expect(addresses.metricsUrl).toBe(`http://127.0.0.1:${port}/metrics`);
    const scraped = await fetch(addresses.metricsUrl!);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await scraped.text()).toContain('# TYPE');
    const onMain = await fetch(`${addresses.url}/metrics`);
    expect(onMain.status).toBe(404);
    expect((await fetch(`${addresses.url}/api/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/api/healthz`)).status).toBe(404);
    await close();
    open.pop();
    expect(await accepting(port)).toBe(false);
  });

  it('fails the start when the metrics port is taken, leaving nothing listening', async () => {
    const first = await started({ port: 0 });
    const taken = Number(new URL(first.addresses.metricsUrl!).port);
    const ctx = await openGatehouse(
      testConfig({ server: { host: '127.0.0.1', port: 0 }, metrics: { port: taken } }),
    );
    try {
      const server = await createServer(ctx);
      await expect(server.listen()).rejects.toThrow(/EADDRINUSE/);
      expect(server.app.server.listening).toBe(false);
    } finally {
      await ctx.close();
    }
  });

  it('asks for the bearer token when one is configured (RFC 6750 §3), from the config or a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-metrics-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'token-from-a-file-0123456789\n');
    for (const [metrics, token] of [
      [{ port: 0, bearer_token: 'token-in-the-config-0123' }, 'token-in-the-config-0123'],
      [{ port: 0, bearer_token_file: file }, 'token-from-a-file-0123456789'],
    ] as const) {
      const { addresses } = await started(metrics);
      const url = addresses.metricsUrl!;
      const none = await fetch(url);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
      expect((await fetch(url, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    }
  });
});

describe('/metrics on the main port', () => {
  it('is served outside production when no metrics port is configured', async () => {
    const t = await testApp();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('is not served with NODE_ENV=production, nor when a metrics port is configured', async () => {
    for (const [overrides, env] of [
      [{}, { NODE_ENV: 'production' }],
      [{ metrics: { port: 0 } }, {}],
    ] as const) {
      const ctx = await openGatehouse(testConfig(overrides));
      const app = await buildApp(ctx, { env });
      try {
        expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      } finally {
        await app.close();
        await ctx.close();
      }
    }
  });
});

describe('metrics configuration', () => {
  const load = (env: Record<string, string>) => loadConfig({ env: { JWT_SECRET: SECRET, ...env } });

  it('reads METRICS__HOST, METRICS__PORT and the bearer token variables', () => {
    expect(load({}).metrics).toEqual({ host: '127.0.0.1' });
    expect(
      load({ METRICS__HOST: '0.0.0.0', METRICS__PORT: '9314', METRICS__BEARER_TOKEN_FILE: '/run/token' })
        .metrics,
    ).toEqual({ host: '0.0.0.0', port: 9314, bearer_token_file: '/run/token' });
    expect(load({ METRICS__BEARER_TOKEN: 'a-long-enough-token' }).metrics.bearer_token).toBe(
      'a-long-enough-token',
    );
  });

  it('refuses a bad port, a short token, and both a token and a file', () => {
    expect(() => load({ METRICS__PORT: '70000' })).toThrow(/metrics\.port/);
    expect(() => load({ METRICS__BEARER_TOKEN: 'short' })).toThrow(
      /metrics\.bearer_token: must be at least 16/,
    );
    expect(() =>
      load({ METRICS__BEARER_TOKEN: 'a-long-enough-token', METRICS__BEARER_TOKEN_FILE: '/x' }),
    ).toThrow(/set one of metrics\.bearer_token and metrics\.bearer_token_file/);
  });
});
