import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OAuth2Error } from '../errors/index.js';
import type { HttpRequest, HttpResponse, Transport } from '../http/transport.js';
import { resolveMeter, resolveTracer, safeUrl, type TelemetryOptions } from './otel.js';

/**
 * Wraps a transport so every request gets an `oauth2.http` client span and is counted in
 * `oauth2.http.requests{endpoint, method, status}` and `oauth2.http.request_duration_ms{endpoint}`.
 * Only the URL's origin and path are recorded; bodies and headers never are.
 */
export function withHttpTelemetry(transport: Transport, options: TelemetryOptions = {}): Transport {
  const tracer = resolveTracer(options);
  const meter = resolveMeter(options);
  const requests = meter.createCounter('oauth2.http.requests', { description: 'HTTP requests sent' });
  const duration = meter.createHistogram('oauth2.http.request_duration_ms', {
    description: 'HTTP request duration',
    unit: 'ms',
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
        requests.add(1, { endpoint: request.endpoint, method: request.method, status });
        duration.record(performance.now() - start, { endpoint: request.endpoint });
        span.end();
      }
    });
}
