import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OAuth2Error } from '../errors/index.js';
import type { HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { resolveMeter, resolveTracer, safeUrl, type TelemetryOptions } from './otel.js';

/**
 * Wraps a transport so every request gets an `oauth2.http` client span and is counted in
 * `oauth2_http_requests_total{endpoint, method, status}` and `oauth2_http_request_duration_seconds{endpoint}`;
 * token-endpoint requests also in `oauth2_token_requests_total{grant_type, outcome}` and
 * `oauth2_token_request_duration_seconds{grant_type}`.
 * Only the URL's origin and path are recorded; bodies and headers never are.
 */
export function withHttpTelemetry(transport: Transport, options: TelemetryOptions = {}): Transport {
  const tracer = resolveTracer(options);
  const meter = resolveMeter(options);
  const requests = meter.createCounter('oauth2_http_requests_total', { description: 'HTTP requests sent' });
  const duration = meter.createHistogram('oauth2_http_request_duration_seconds', {
    description: 'HTTP request duration',
    unit: 's',
  });
  const tokenRequests = meter.createCounter('oauth2_token_requests_total', {
    description: 'Token endpoint requests by grant type and outcome',
  });
  const tokenDuration = meter.createHistogram('oauth2_token_request_duration_seconds', {
    description: 'Token endpoint request duration',
    unit: 's',
  });

  return (request: HttpRequest): Promise<HttpResponse> =>
    tracer.startActiveSpan('oauth2.http', { kind: SpanKind.CLIENT }, async (span) => {
      const start = performance.now();
      span.setAttributes({
        'http.method': request.method,
        'http.url': safeUrl(request.url),
        'oauth2.endpoint': request.endpoint,
        ...(request.grantType === undefined ? {} : { 'oauth2.grant_type': request.grantType }),
      });
      let status = 'error';
      try {
        const response = await transport(request);
        status = String(response.status);
        span.setAttribute('http.status_code', response.status);
        if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        const code = error instanceof OAuth2Error ? error.code : 'unknown';
        span.setAttribute('oauth2.error_code', code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        throw error;
      } finally {
        const seconds = (performance.now() - start) / 1000;
        requests.add(1, { endpoint: request.endpoint, method: request.method, status });
        duration.record(seconds, { endpoint: request.endpoint });
        if (request.endpoint === 'token') {
          const grant_type = request.grantType ?? 'unknown';
          const outcome = status.startsWith('2') ? 'success' : 'error';
          tokenRequests.add(1, { grant_type, outcome });
          tokenDuration.record(seconds, { grant_type });
        }
        span.end();
      }
    });
}
