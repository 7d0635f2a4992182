import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/index.js';
import { ConfigError } from '../error/index.js';
import type { Metrics } from '../infra/metrics.js';
import { metricsRoute } from '../web/handlers/metrics.js';
import { answerClientError } from '../web/hooks/raw-answers.js';
import { installResponseHeaders } from '../web/hooks/response-headers.js';

/**
 * Where `/metrics` is served. `metrics.port` set: on a listener of its own (`metrics.host`, 127.0.0.1 by
 * default), never on the public port. Unset: on the main port for convenience in development, and not at all
 * with NODE_ENV=production, where the main port faces the internet and the metrics describe its traffic.
 */
export type MetricsPlacement =
  | { where: 'main' }
  | { where: 'own'; host: string; port: number }
  | { where: 'none' };

export function metricsPlacement(config: AppConfig['metrics'], env: NodeJS.ProcessEnv): MetricsPlacement {
  if (config.port !== undefined) return { where: 'own', host: config.host, port: config.port };
  return env['NODE_ENV'] === 'production' ? { where: 'none' } : { where: 'main' };
}

/** `metrics.bearer_token`, or the content of `metrics.bearer_token_file` (trimmed); undefined for neither. */
export function metricsBearerToken(config: AppConfig['metrics']): string | undefined {
  if (config.bearer_token_file === undefined) return config.bearer_token;
  let token: string;
  try {
    token = readFileSync(config.bearer_token_file, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(
      `metrics.bearer_token_file: cannot read ${config.bearer_token_file}: ${(err as Error).message}`,
    );
  }
  if (token.length < 16) {
    throw new ConfigError(
      `metrics.bearer_token_file: ${config.bearer_token_file} must hold at least 16 characters`,
    );
  }
  return token;
}

/** The metrics listener's app: `/metrics` alone (anything else 404). */
export async function buildMetricsApp(
  metrics: Metrics,
  bearerToken: string | undefined,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, clientErrorHandler: answerClientError });
  installResponseHeaders(app);
  await app.register(metricsRoute(metrics, bearerToken));
  return app;
}
