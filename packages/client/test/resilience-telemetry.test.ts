import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchTransport } from '../src/http/fetch-transport.js';
import type { HttpRequest } from '../src/http/transport.js';
import { MemoryTokenStorage } from '../src/storage/index.js';
import { safeUrl, tokenMetricsHooks, withHttpTelemetry } from '../src/telemetry/index.js';
import { TokenManager } from '../src/token/index.js';
import { type LocalServer, sendJson, startLocalServer } from './support/local-server.js';
import { recorder } from './support/telemetry-recorder.js';

let server: LocalServer;
let base: string;
beforeAll(async () => {
  server = await startLocalServer((req, res) => sendJson(res, {}, req.url?.startsWith('/fail') ? 503 : 200));
  base = server.url;
});
afterAll(async () => {
  await server.close();
});

const request = (url: string): HttpRequest => ({
  method: 'POST',
  url,
  headers: {},
  body: 'grant_type=refresh_token&refresh_token=secret-rt',
  endpoint: 'token',
  retry: 'never',
  grantType: 'refresh_token',
});

describe('telemetry', () => {
  it('records an oauth2.http span and metrics without query strings or bodies', async () => {
    const r = recorder();
    const t = withHttpTelemetry(createFetchTransport(), { tracer: r.tracer, meter: r.meter });
    await t(request(`${base}/token?code=secret-code`));
    await t(request(`${base}/fail`));
    const refused = withHttpTelemetry(createFetchTransport(), { tracer: r.tracer, meter: r.meter });
    await expect(refused(request('http://127.0.0.1:1/token'))).rejects.toMatchObject({
      name: 'NetworkError',
    });

    expect(r.spans.map((s) => s.name)).toEqual(['oauth2.http', 'oauth2.http', 'oauth2.http']);
    expect(r.spans[0]?.attributes).toMatchObject({
      'http.method': 'POST',
      'http.url': `${base}/token`,
      'http.status_code': 200,
      'oauth2.endpoint': 'token',
      'oauth2.grant_type': 'refresh_token',
    });
    expect(r.spans[1]?.status?.code).toBe(2);
    expect(r.spans[2]?.attributes['oauth2.error_code']).toBe('network_error');
    expect(r.spans.every((s) => s.ended)).toBe(true);
    expect(JSON.stringify(r.spans)).not.toMatch(/secret/);
    expect(
      r.points.filter((p) => p.name === 'oauth2_http_requests_total').map((p) => p.attrs['status']),
    ).toEqual(['200', '503', 'error']);
    // The requests are refresh_token grants at the token endpoint, so they are token metrics too.
    expect(
      r.points.filter((p) => p.name === 'oauth2_token_requests_total').map((p) => p.attrs['outcome']),
    ).toEqual(['success', 'error', 'error']);
    expect(r.points.filter((p) => p.name === 'oauth2_token_requests_total')[0]?.attrs['grant_type']).toBe(
      'refresh_token',
    );
    expect(safeUrl('not a url')).toBe('invalid-url');
  });

  it('counts token acquisitions, refreshes and expirations through hooks', async () => {
    const r = recorder();
    const seen: string[] = [];
    const storage = new MemoryTokenStorage();
    const m = new TokenManager({
      storage,
      endpoint: {
        refresh: async () => ({ accessToken: 'b', tokenType: 'Bearer', expiresIn: 3600, raw: {} }),
      },
      hooks: tokenMetricsHooks('demo', { meter: r.meter }, { onTokenRefreshed: (k) => seen.push(k) }),
    });
    await m.storeTokens('k', {
      accessToken: 'a',
      tokenType: 'Bearer',
      expiresIn: 0, // already expired: the next getAccessToken refreshes
      refreshToken: 'r',
      raw: {},
    });
    await m.getAccessToken('k');
    expect(r.points.map((p) => p.name)).toEqual([
      'oauth2_token_acquisitions_total',
      'oauth2_token_refreshes_total',
    ]);
    expect(r.points[1]?.attrs).toEqual({ provider: 'demo' });
    expect(seen).toEqual(['k']);
  });
});
