import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS, HttpRequestMetrics } from '../src/infra/http-request-metrics.js';
import { testApp } from './support/app.js';

/** What prom-client's own Counter and Histogram expose for the same responses. */
function promClientReference(responses: [string, string, number, number][]): Registry {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'] as const;
  const counter = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests',
    labelNames,
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames,
    buckets: [...DURATION_BUCKETS],
    registers: [registry],
  });
  for (const [method, route, status, seconds] of responses) {
    counter.inc({ method, route, status: String(status) });
    histogram.observe({ method, route, status: String(status) }, seconds);
  }
  return registry;
}

describe('HTTP request metrics', () => {
  // Durations on, between and beyond the bucket bounds, over several series.
  const responses: [string, string, number, number][] = [
    ['POST', '/api/oauth/token', 200, 0.0004],
    ['POST', '/api/oauth/token', 200, 0.001],
    ['POST', '/api/oauth/token', 200, 0.0011],
    ['POST', '/api/oauth/token', 400, 0.03],
    ['POST', '/api/oauth/introspect', 200, 0.7],
    ['GET', 'unmatched', 404, 2.5],
    ['POST', '/api/oauth/token', 200, 1],
  ];

  it('expose exactly what prom-client Counter and Histogram expose for the same responses', async () => {
    const ours = new HttpRequestMetrics();
    const registry = new Registry();
    ours.register(registry);
    for (const [method, route, status, seconds] of responses) ours.record(method, route, status, seconds);
    expect(await registry.metrics()).toBe(await promClientReference(responses).metrics());
    // The JSON form too (cluster aggregation reads it), but for the exemplars we do not record.
    const withoutExemplars = (metrics: unknown) =>
      JSON.parse(JSON.stringify(metrics, (key, value) => (key === 'exemplar' ? undefined : value)));
    expect(withoutExemplars(await registry.getMetricsAsJSON())).toEqual(
      withoutExemplars(await promClientReference(responses).getMetricsAsJSON()),
    );
  });

  it('start again from zero when the registry is reset', async () => {
    const ours = new HttpRequestMetrics();
    const registry = new Registry();
    ours.register(registry);
    ours.record('GET', '/metrics', 200, 0.002);
    registry.resetMetrics();
    ours.record('GET', '/metrics', 200, 0.02);
    expect(await registry.metrics()).toBe(
      await promClientReference([['GET', '/metrics', 200, 0.02]]).metrics(),
    );
  });

  it('count every reply of the server, errors and unmatched routes included, by route and status', async () => {
    const t = await testApp();
    try {
      await t.app.inject({ method: 'GET', url: '/api/healthz' });
      await t.app.inject({ method: 'GET', url: '/api/healthz' });
      await t.app.inject({ method: 'GET', url: '/no/such/page' });
      await t.app.inject({
        method: 'POST',
        url: '/api/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'grant_type=x',
      });
      const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(body).toMatch(
        /gatehouse_http_requests_total\{method="GET",route="\/api\/healthz",status="200"\} 2\n/,
      );
      expect(body).toMatch(
        /gatehouse_http_requests_total\{method="GET",route="unmatched",status="404"\} 1\n/,
      );
      expect(body).toMatch(
        /gatehouse_http_request_duration_seconds_count\{method="POST",route="\/api\/oauth\/token",status="400"\} 1\n/,
      );
      expect(body).toMatch(
        /gatehouse_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/healthz",status="200"\} 2\n/,
      );
    } finally {
      await t.close();
    }
  });
});
