/**
 * Three `gatehouse serve` processes behind a round-robin balancer, sharing PostgreSQL (through a TCP proxy
 * the test cuts) and a Redis of the test's own (with AOF, killed and restarted), under a mixed workload
 * while, one after the other, a node is killed with SIGKILL and started again, PostgreSQL is cut for 3 s and
 * Redis is killed with SIGKILL and started again 3 s later. What must hold: no 5xx but `503
 * temporarily_unavailable` with `Retry-After`; no request unanswered after 10 s; no code redeemed twice and
 * no refresh token rotated twice; a client that did nothing wrong keeps its grant; every node healthy and a
 * new sign-in and refresh working within 15 s of the last fault. The refresh-token families lost because a
 * rotation's answer never reached its client are counted and printed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testDatabaseUrl } from '../../../test-support/services.js';
import { SECRET } from './support/app.js';
import { type Balancer, startBalancer } from './support/fault-injection/balancer.js';
import { ExchangeLog } from './support/fault-injection/exchanges.js';
import { GatehouseNode, STARTUP_MS } from './support/fault-injection/gatehouse-nodes.js';
import {
  doubleSpends,
  hangs,
  successorsHandedOutAgain,
  summary,
  unavailableOutsideFaults,
  unexpectedServerErrors,
  wronglyRefused,
} from './support/fault-injection/invariants.js';
import { RedisProcess, redisServerUnavailable } from './support/fault-injection/redis-process.js';
import { type TcpProxy, tcpProxy } from './support/fault-injection/tcp-proxy.js';
import {
  type Incident,
  REDIRECT_URI,
  SERVICE,
  USERS,
  WEB,
  Workload,
} from './support/fault-injection/workload.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';
import { freePort } from './support/http.js';

/** Why the run cannot happen here (in CI, where nothing may be skipped, missing() throws instead). */
const skipReason = missing('postgres') ? 'TEST_DATABASE_URL is not set' : redisServerUnavailable();
if (skipReason !== undefined && process.env.CI === 'true') throw new Error(`CI needs ${skipReason}`);
if (skipReason !== undefined) console.log(`fault-injection.test.ts is skipped: ${skipReason}`);

/** The recovery promised after the last fault. */
const RECOVERY_MS = 15_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const incidents = (list: Incident[]) => list.map((i) => `  at ${i.at} ms: ${i.what}`);

const appConfig = [
  'clients:',
  `  - client_id: ${WEB.id}`,
  `    client_secret: ${WEB.secret}`,
  '    grant_types: [authorization_code, refresh_token]',
  `    redirect_uris: ['${REDIRECT_URI}']`,
  `  - client_id: ${SERVICE.id}`,
  `    client_secret: ${SERVICE.secret}`,
  'users:',
  ...USERS.flatMap((u) => [`  - username: ${u.username}`, `    password: ${u.password}`]),
  '',
].join('\n');

describe.skipIf(skipReason !== undefined)(
  `fault injection: three nodes, PostgreSQL and Redis failing under load${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let dir = '';
    let schema: FreshSchema | undefined;
    let database: TcpProxy | undefined;
    let redis: RedisProcess;
    let balancer: Balancer | undefined;
    let nodes: GatehouseNode[] = [];
    let startupMs = 0;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gh-fault-injection-'));
      schema = await createFreshSchema();
      const [databasePort, redisPort, balancerPort, ...nodePorts] = await Promise.all(
        [0, 1, 2, 3, 4, 5].map(() => freePort()),
      );
      const target = new URL(testDatabaseUrl ?? '');
      database = tcpProxy(databasePort as number, {
        host: target.hostname,
        port: Number(target.port || 5432),
      });
      await database.open();
      const viaProxy = new URL(schema.url);
      viaProxy.host = `127.0.0.1:${databasePort}`;
      mkdirSync(join(dir, 'redis'));
      redis = new RedisProcess(redisPort as number, join(dir, 'redis'));
      await redis.start();
      balancer = await startBalancer(balancerPort as number, nodePorts);
      writeFileSync(join(dir, 'gatehouse.yaml'), appConfig);
      nodes = nodePorts.map((port, i) => {
        mkdirSync(join(dir, `node-${i}`));
        return new GatehouseNode(port, {
          APP_CONFIG: join(dir, 'gatehouse.yaml'),
          DATA_DIR: join(dir, `node-${i}`),
          DATABASE_URL: viaProxy.toString(),
          REDIS_URL: redis.url,
          JWT_SECRET: SECRET,
          OAUTH__ISSUER: balancer?.url ?? '',
          // The balancer is the only peer, on loopback: its X-Forwarded-For names the client.
          SERVER__TRUST_PROXY: '127.0.0.1',
          LOG_LEVEL: 'warn',
        });
      });
      // Started together, as after a deployment: migrations run once, under their advisory lock.
      const startingAt = Date.now();
      await Promise.all(nodes.map((n) => n.start()));
      startupMs = Date.now() - startingAt;
    }, STARTUP_MS + 15_000);

    afterAll(async () => {
      await Promise.all(nodes.map((n) => n.kill()));
      await redis?.kill();
      await balancer?.close();
      await database?.cut();
      await schema?.drop();
      if (dir !== '') rmSync(dir, { recursive: true, force: true });
    });

    it('answers only 503 while things fail, spends nothing twice and recovers within 15 s', async () => {
      const log = new ExchangeLog();
      const workload = new Workload(balancer?.url ?? '', log);
      const timeline: string[] = [];
      const mark = (what: string) => timeline.push(`${String(log.now()).padStart(6)} ms  ${what}`);
      let stopped = false;
      const running = workload.run(3, 400, () => stopped);

      // One fault at a time, each over before the next begins, so that every failure can be told apart.
      const windows: [number, number][] = [];
      const fault = async (
        what: string,
        cause: () => Promise<void>,
        restore: () => Promise<void>,
        ms: number,
      ) => {
        const from = log.now();
        mark(what);
        await cause();
        await sleep(ms);
        await restore();
        windows.push([from, log.now()]);
        mark(`${what}: over`);
      };
      await sleep(1_500);
      const victim = nodes[1] as GatehouseNode;
      await fault(
        `kill -9 node ${victim.port}, start it again`,
        () => victim.kill(),
        () => victim.start(),
        500,
      );
      await sleep(1_500);
      await fault(
        'cut PostgreSQL for 3 s',
        () => database?.cut() ?? Promise.resolve(),
        () => database?.open() ?? Promise.resolve(),
        3_000,
      );
      await sleep(1_500);
      await fault(
        'kill -9 Redis, start it again 3 s later',
        () => redis.kill(),
        () => redis.start(),
        3_000,
      );
      const lastFaultOver = Date.now();

      // Recovery, while the workload winds down: every node healthy, then a whole new sign-in and refresh.
      const recovery = (async () => {
        let last = 'not tried';
        while (Date.now() - lastFaultOver < RECOVERY_MS) {
          const unhealthy = (
            await Promise.all(nodes.map(async (n) => ((await n.healthy()) ? [] : [n.port])))
          ).flat();
          last =
            unhealthy.length > 0
              ? `nodes not healthy: ${unhealthy.join(', ')}`
              : await workload.signInAndRefresh(1);
          if (last === 'completed') return { last, after: Date.now() - lastFaultOver };
          await sleep(250);
        }
        return { last, after: undefined };
      })();
      await sleep(1_500);
      stopped = true;
      await running;
      const recovered = await recovery;
      mark(
        recovered.after === undefined
          ? `not recovered within ${RECOVERY_MS} ms (last attempt: ${recovered.last})`
          : `recovered ${recovered.after} ms after the last fault`,
      );

      const { tally } = workload;
      const report = [
        `fault injection timeline (the three nodes started in ${startupMs} ms):`,
        ...timeline.map((t) => `  ${t}`),
        `requests (${log.exchanges.length}):`,
        summary(log.exchanges),
        'flows:',
        ...[...tally.flows]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, n]) => `  ${String(n).padStart(5)}  ${k}`),
        `balancer: ${balancer?.failures.filter((f) => f.kind === 'refused').length} refused connections skipped, ` +
          `${balancer?.failures.filter((f) => f.kind === 'reset').length} requests dropped by a dying node`,
        `codes redeemed: ${tally.codeSuccesses.size}; refresh tokens rotated: ${tally.refreshSuccesses.size} ` +
          `(the same successor handed out again: ${successorsHandedOutAgain(tally)})`,
        `refresh-token families lost (rotation answer never reached the client): ${tally.lostFamilies.length}`,
        ...incidents(tally.lostFamilies),
        `codes lost (redemption answer never reached the client): ${tally.lostCodes.length}`,
        ...incidents(tally.lostCodes),
        `the same code or refresh token twice at once, not answered 200 + 400: ${tally.unusualPairs.length}`,
        ...incidents(tally.unusualPairs),
        '503s while no fault was under way (allowed; 1 s allowed for reconnecting):',
        ...unavailableOutsideFaults(log.exchanges, windows, 1_000).map((e) => `  ${e}`),
      ].join('\n');
      console.log(report);

      expect
        .soft(unexpectedServerErrors(log.exchanges), 'answers other than 503 temporarily_unavailable')
        .toEqual([]);
      expect.soft(hangs(log.exchanges), 'requests unanswered after 10 s').toEqual([]);
      expect.soft(doubleSpends(tally), 'codes or refresh tokens used twice').toEqual([]);
      expect.soft(wronglyRefused(tally), 'grants lost by clients that did nothing wrong').toEqual([]);
      expect
        .soft(
          nodes.flatMap((n) => n.crashes),
          'nodes that exited on their own',
        )
        .toEqual([]);
      // Within RECOVERY_MS of the last fault: every node healthy, and a new sign-in and refresh working.
      expect(recovered.last, `the last recovery attempt, ${RECOVERY_MS} ms after the last fault`).toBe(
        'completed',
      );
      // The workload did its job: flows of every kind ran, so the invariants above had something to check.
      expect(tally.codeSuccesses.size).toBeGreaterThan(5);
      expect(tally.refreshSuccesses.size).toBeGreaterThan(5);
    }, 90_000);
  },
);
