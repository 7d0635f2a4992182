import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './support/app.js';

describe('health and metrics', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp();
  });
  afterAll(async () => t.close());

  it('GET /api/healthz reports database and store ok', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', checks: { database: 'ok', store: 'ok' } });
  });

  it('GET /api/healthz answers 503 when the store fails', async () => {
    const ping = t.ctx.store.ping;
    t.ctx.store.ping = async () => {
      throw new Error('down');
    };
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'error', checks: { database: 'ok', store: 'error' } });
    } finally {
      t.ctx.store.ping = ping;
    }
  });

  it('GET /metrics exposes prometheus counters', async () => {
    await t.app.inject({ method: 'GET', url: '/api/healthz' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('gatehouse_http_requests_total');
  });

  it('GET /metrics counts tokens issued by grant and errors by OAuth error code', async () => {
    const token = (form: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(form).toString(),
      });
    const ok = { grant_type: 'client_credentials', client_id: 'svc-post', client_secret: 'post-secret' };
    expect((await token(ok)).statusCode).toBe(200);
    expect((await token({ ...ok, scope: 'write' })).json().error).toBe('invalid_scope');
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(body).toMatch(/gatehouse_tokens_issued_total\{grant_type="client_credentials"\} 1\n/);
    expect(body).toMatch(/gatehouse_oauth_errors_total\{error="invalid_scope",status="400"\} 1\n/);
    // Latency by route and status: the refused request is not averaged into the issued ones.
    expect(body).toMatch(
      /gatehouse_http_request_duration_seconds_count\{method="POST",route="\/api\/oauth\/token",status="400"\} 1\n/,
    );
    expect(body).toMatch(
      /gatehouse_http_request_duration_seconds_count\{method="POST",route="\/api\/oauth\/token",status="200"\} 1\n/,
    );
  });
});
