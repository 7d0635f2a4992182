import type { FastifyInstance } from 'fastify';
import { buildHttpApp, type HttpAppOptions } from '../web/app.js';
import { type BackgroundJobs, startBackgroundJobs } from './background-jobs.js';
import type { Gatehouse } from './gatehouse.js';
import {
  buildMetricsApp,
  type MetricsPlacement,
  metricsBearerToken,
  metricsPlacement,
} from './metrics-listener.js';

export interface ServerOptions extends HttpAppOptions {
  /** Where NODE_ENV is read (default `process.env`): it decides whether `/metrics` may be on the main port. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The HTTP server of an open Gatehouse: every route, and the background jobs (key reload, refresh-token purge),
 * which start when the server listens and stop when it closes. Embedders get the same server `gatehouse serve`
 * runs; `inject()` alone starts no job. `/metrics` is on it only where {@link metricsPlacement} says so: with
 * `metrics.port` set, {@link createServer} serves it on a listener of its own.
 */
export async function buildApp(gatehouse: Gatehouse, options: ServerOptions = {}): Promise<FastifyInstance> {
  const { env, ...httpOptions } = options;
  const placement = metricsPlacement(gatehouse.config.metrics, env ?? process.env);
  const app = await buildHttpApp(gatehouse, {
    metricsOnMainPort: placement.where === 'main',
    metricsBearerToken: metricsBearerToken(gatehouse.config.metrics),
    ...httpOptions,
  });
  let jobs: BackgroundJobs | undefined;
  app.addHook('onListen', async () => {
    jobs ??= startBackgroundJobs(gatehouse.keys, gatehouse.refreshTokens, app.log);
  });
  app.addHook('onClose', async () => {
    jobs?.stop();
  });
  return app;
}

/** Where a started server listens. */
export interface ServerAddresses {
  url: string;
  /** The metrics listener's `/metrics`, when it has one. */
  metricsUrl: string | undefined;
  metrics: MetricsPlacement;
}

/** The server `gatehouse serve` runs: the main listener, the metrics listener when configured, readiness. */
export interface GatehouseServer {
  readonly app: FastifyInstance;
  /** Listens on `server.host:port`, and first on `metrics.host:port` when set (a taken port fails the start). */
  listen(): Promise<ServerAddresses>;
  /**
   * The stop sequence, each step logged: `/api/readyz` answers 503 (draining), the listener stops accepting,
   * requests in flight finish (at `deadlineMs`, the connections still open are closed), then the metrics
   * listener closes. True when no request had to be cut off. The database and store stay open
   * (`gatehouse.close()`).
   */
  close(deadlineMs?: number): Promise<boolean>;
}

/**
 * Stops accepting connections and lets requests in flight finish; at the deadline, closes the connections
 * still open (their requests fail) so that the close completes. True when nothing had to be cut off.
 */
async function closeWithin(app: FastifyInstance, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = app.close().then(() => true);
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const drained = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  if (drained) return true;
  app.server.closeAllConnections();
  await closed;
  return false;
}

export async function createServer(
  gatehouse: Gatehouse,
  options: ServerOptions = {},
): Promise<GatehouseServer> {
  const { config, logger } = gatehouse;
  const readiness = { draining: false };
  const placement = metricsPlacement(config.metrics, options.env ?? process.env);
  const app = await buildApp(gatehouse, { ...options, readiness });
  const metricsApp =
    placement.where === 'own'
      ? await buildMetricsApp(gatehouse.metrics, metricsBearerToken(config.metrics))
      : undefined;
  // Closed with the main app, however that is closed: Fastify runs onClose once the requests in flight are done.
  app.addHook('onClose', async () => {
    await metricsApp?.close();
  });
  return {
    app,
    async listen() {
      let metricsUrl: string | undefined;
      if (metricsApp !== undefined && placement.where === 'own') {
        metricsUrl = `${await metricsApp.listen({ host: placement.host, port: placement.port })}/metrics`;
      }
      try {
        const url = await app.listen({ host: config.server.host, port: config.server.port });
        return { url, metricsUrl, metrics: placement };
      } catch (err) {
        await metricsApp?.close();
        throw err;
      }
    },
    /**
     * Stops: readiness off, no new connections, requests in flight finish within `deadlineMs` (default
     * `server.shutdown_deadline_secs`: an orchestrator kills the process after its own grace period, and a
     * client trickling a body must not hold it past that), then the metrics listener.
     */
    async close(deadlineMs = config.server.shutdown_deadline_secs * 1000) {
      readiness.draining = true;
      logger.info('shutdown: draining, /api/readyz answers 503');
      logger.info('shutdown: no new connections, waiting for the requests in flight');
      const drained = await closeWithin(app, deadlineMs);
      if (drained) logger.info('shutdown: requests in flight finished, listener closed');
      else logger.warn(`requests still open ${deadlineMs} ms after the stop signal: connections closed`);
      if (metricsApp !== undefined) logger.info('shutdown: metrics listener closed');
      return drained;
    },
  };
}
