/**
 * `gatehouse serve` with OTEL_EXPORTER_OTLP_ENDPOINT set sends its spans to an OTLP/HTTP receiver: HTTP server
 * spans named by route, PostgreSQL and Redis spans under them, trace ids in the log lines, and no credential
 * in any span. Without the variable nothing of OpenTelemetry is loaded.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnNode } from '../../../test-support/processes.js';
import { missing, testRedisUrl } from '../../../test-support/services.js';
import { redisStatement } from '../src/infra/tracing.js';
import { SECRET, TEST_REDIS_KEY_PREFIX } from './support/app.js';
import { CLI, startServe } from './support/cli.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { basic } from './support/http.js';

const CLIENT = { id: 'traced-api', secret: 'traced-client-secret-0123456789abcdef' };

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** An OTLP/HTTP receiver with JSON encoding: every body posted to /v1/traces, as received. */
async function otlpReceiver(): Promise<{ server: Server; url: string; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

const attribute = (span: OtlpSpan, key: string) =>
  Object.values(span.attributes?.find((a) => a.key === key)?.value ?? {})[0];

describe.skipIf(missing('postgres') || missing('redis'))('tracing (gatehouse serve, OTLP/HTTP)', () => {
  let schema: FreshSchema | undefined;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>> | undefined;
  let dir = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gh-tracing-'));
    schema = await createFreshSchema();
    receiver = await otlpReceiver();
  });
  afterAll(async () => {
    receiver?.server.close();
    await schema?.drop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function serve(env: Record<string, string>) {
    const appConfig = join(dir, 'gatehouse.yaml');
    writeFileSync(
      appConfig,
      `clients:\n  - client_id: ${CLIENT.id}\n    client_secret: ${CLIENT.secret}\n    scopes: [reports.read]\n`,
    );
    return startServe({
      env: {
        APP_CONFIG: appConfig,
        DATA_DIR: dir,
        DATABASE_URL: schema?.url ?? '',
        REDIS_URL: testRedisUrl ?? '',
        REDIS__KEY_PREFIX: TEST_REDIS_KEY_PREFIX,
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
        ...env,
      },
      startupMs: 20_000,
    });
  }

  it('exports route-named HTTP spans with their database and Redis spans, flushed at stop, no credential in them', async () => {
    const r = receiver as NonNullable<typeof receiver>;
    const { url, output, stop } = await serve({
      OTEL_EXPORTER_OTLP_ENDPOINT: r.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      LOG_LEVEL: 'debug', // the per-request lines
    });
    try {
      const auth = { authorization: basic(CLIENT.id, CLIENT.secret) };
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const tokenResponse = await fetch(`${url}/api/oauth/token?probe=query-value`, {
        method: 'POST',
        headers: { ...auth, ...form },
        body: 'grant_type=client_credentials&scope=reports.read',
      });
      expect(tokenResponse.status).toBe(200);
      const accessToken = ((await tokenResponse.json()) as { access_token: string }).access_token;
      const introspection = await fetch(`${url}/api/oauth/introspect`, {
        method: 'POST',
        headers: { ...auth, ...form },
        body: `token=${accessToken}`,
      });
      expect(((await introspection.json()) as { active: boolean }).active).toBe(true);

      // The batch processor exports every 5 s: these spans arrive through the flush at stop.
      expect(await stop('SIGTERM'), output()).toBe(0);

      const exports = r.bodies.map((b) => JSON.parse(b) as OtlpExport);
      const spans = exports.flatMap((e) =>
        e.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)),
      );
      const serviceNames = exports.flatMap((e) =>
        e.resourceSpans.map((rs) => rs.resource.attributes.find((a) => a.key === 'service.name')?.value),
      );
      expect(serviceNames).toContainEqual({ stringValue: 'gatehouse' });

      const token = spans.find((s) => s.name === 'POST /api/oauth/token');
      const introspect = spans.find((s) => s.name === 'POST /api/oauth/introspect');
      expect(token, spans.map((s) => s.name).join('\n')).toBeDefined();
      expect(introspect).toBeDefined();
      expect(attribute(token as OtlpSpan, 'http.route')).toBe('/api/oauth/token');
      expect(attribute(token as OtlpSpan, 'url.path')).toBe('/api/oauth/token');
      expect(attribute(token as OtlpSpan, 'url.query')).toBeUndefined();

      // Children in the same traces: the client's row from PostgreSQL, the revocation check in Redis.
      const inTrace = (parent: OtlpSpan) => spans.filter((s) => s.traceId === parent.traceId && s !== parent);
      const system = (s: OtlpSpan) => attribute(s, 'db.system.name') ?? attribute(s, 'db.system');
      expect(inTrace(token as OtlpSpan).some((s) => system(s) === 'postgresql')).toBe(true);
      const redisSpans = [...inTrace(token as OtlpSpan), ...inTrace(introspect as OtlpSpan)].filter(
        (s) => system(s) === 'redis',
      );
      expect(redisSpans.length).toBeGreaterThan(0);
      for (const s of redisSpans) expect(String(attribute(s, 'db.query.text'))).toMatch(/^\w+( [a-z-]+:…)?$/);

      const everything = r.bodies.join('\n');
      for (const secret of [
        CLIENT.secret,
        accessToken,
        accessToken.split('.')[2] as string,
        SECRET,
        'query-value',
      ]) {
        expect(everything).not.toContain(secret);
      }

      // The token request's log lines carry its trace id and span id.
      const lines = output()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string; url?: string; msg?: string });
      const logged = lines.filter((l) => l.trace_id === (token as OtlpSpan).traceId);
      expect(logged.length, output()).toBeGreaterThan(0);
      expect(logged.some((l) => l.span_id === (token as OtlpSpan).spanId)).toBe(true);
    } finally {
      await stop('SIGKILL');
    }
  }, 30_000);

  it('loads nothing of OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is unset', async () => {
    // `--help` evaluates the whole of the CLI's imports, the tracing start first, then prints the usage.
    const { child, output } = spawnNode([CLI, '--help'], {
      env: { PATH: process.env['PATH'] ?? '', NODE_DEBUG: 'module' },
    });
    await once(child, 'exit');
    expect(child.exitCode, output()).toBe(0);
    expect(output()).toContain('fastify'); // what the module debug log lists
    expect(output()).not.toContain('@opentelemetry/sdk-node');
    expect(output()).not.toContain('instrumentation-pg');
  }, 15_000);
});

describe('Redis span statements', () => {
  it('keep the command and the key prefix, never the key or the values', () => {
    expect(redisStatement('get', ['session:4f2a-secret-sid'])).toBe('get session:…');
    expect(redisStatement('set', ['usercode:WDJBMJHT', '{"a":1}', 'EX', 600])).toBe('set usercode:…');
    expect(redisStatement('evalsha', ['0123abcd', 1, 'claim:x:y'])).toBe('evalsha');
    expect(redisStatement('ping', [])).toBe('ping');
  });
});
