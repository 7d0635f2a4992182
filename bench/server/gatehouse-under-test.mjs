// Starts Gatehouse for the server benchmarks.
//
// As deployed (the default, `startGatehouseAsDeployed`): `gatehouse serve` from the built CLI
// (packages/server/dist/cli.js; `npm run build` first) as a child process, with its default log level and its
// stdout redirected at the OS level to a file (BENCH_LOG=/dev/null to discard it), configured the way an
// operator configures it: a YAML file in APP_CONFIG (clients, users, rate limits raised out of the way) and
// environment variables (NODE_ENV=production, DATA_DIR, SERVER__*, OAUTH__ISSUER, JWT_SECRET, DATABASE_URL,
// REDIS_URL). Without DATABASE_URL the database is the embedded PGlite file database in DATA_DIR (a fresh
// temporary directory); rate limiting stays ON with limits no benchmark reaches, so its per-IP and per-client
// checks run on every request (oidc-provider has none).
//
// In process (`startGatehouseInProcess`, the "floor" line): openGatehouse + buildApp from the TypeScript
// sources in the caller's process (needs `node --import tsx`), logging off, in-memory PGlite. Not what users
// run: it shows what the CLI's logging and the file database cost on top.
//
// BENCH_VARIANTS=name=path/to/cli.js,… starts other builds of the CLI the same way, as extra contenders in the
// same run (to compare a change side by side; a copy of dist must sit next to it, e.g. packages/server/dist/
// variants/<name>/, with a `drizzle` link one level up, since migrations are found relative to the build).
// BENCH_NODE_ARGS adds flags to the server child (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`); BENCH_LOG_LEVEL
// sets LOG_LEVEL (unset: the default, as deployed).
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
const JWT_SECRET = 'bench-jwt-secret-that-is-long-enough-0123456789';
const RATE_LIMIT = { enabled: true, per_ip_per_minute: 1_000_000_000, per_client_per_minute: 1_000_000_000 };

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** CPU time (user + system, all threads) of a process, in µs, from /proc (Linux). */
export function processCpuUs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of proc(5))
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

async function waitUntilHealthy(base, child, logPath) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${base}/api/healthz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const log =
    logPath !== '/dev/null' && existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : '';
  throw new Error(`gatehouse serve did not become healthy (exit ${child.exitCode})\n${log}`);
}

/**
 * @param {{ clients: object[], users?: object[], databaseUrl?: string, redisUrl?: string, cli?: string }} options
 *   cli: another build of the CLI (BENCH_VARIANTS), default packages/server/dist/cli.js
 * @returns {Promise<{ base: string, issuer: string, pid: number, logPath: string, label: string,
 *   cpuUs: () => number, logBytes: () => number, close: () => Promise<void> }>}
 */
export async function startGatehouseAsDeployed({ clients, users = [], databaseUrl, redisUrl, cli = CLI }) {
  if (!existsSync(cli)) throw new Error(`${cli} not found: run \`npm run build\` first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const configPath = join(dataDir, 'gatehouse.yaml');
  // JSON is YAML: the same file an operator would write by hand.
  writeFileSync(configPath, JSON.stringify({ rate_limit: RATE_LIMIT, clients, users }, null, 2));
  const logPath = process.env.BENCH_LOG ?? join(dataDir, 'stdout.log');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    APP_CONFIG: configPath,
    DATA_DIR: dataDir,
    SERVER__HOST: '127.0.0.1',
    SERVER__PORT: String(port),
    OAUTH__ISSUER: issuer,
    JWT_SECRET,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
  };
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // stdout goes to the file descriptor itself, as `gatehouse serve > file` or a container runtime would
  // do: no pipe through this process, which would add its own cost to the measurement.
  const out = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve'], {
    env,
    stdio: ['ignore', out, 'inherit'],
  });
  closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitUntilHealthy(issuer, child, logPath);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    label: `gatehouse serve (dist/cli.js, LOG_LEVEL ${env.LOG_LEVEL ?? 'default'}, ${databaseUrl ? 'PostgreSQL' : 'PGlite file database'}${redisUrl ? ' + Redis' : ''})`,
    base: issuer,
    issuer,
    pid: child.pid,
    logPath,
    cpuUs: () => processCpuUs(child.pid),
    logBytes: () => (logPath === '/dev/null' ? 0 : statSync(logPath).size),
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      if (process.env.BENCH_KEEP_DATA !== '1') rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The in-process floor: same configuration, logging off, in-memory PGlite unless databaseUrl is given.
 * @param {{ clients: object[], users?: object[], databaseUrl?: string, redisUrl?: string }} options
 */
export async function startGatehouseInProcess({ clients, users = [], databaseUrl = 'memory://', redisUrl }) {
  const { openGatehouse } = await import('../../packages/server/src/app/gatehouse.ts');
  const { buildApp } = await import('../../packages/server/src/app/server.ts');
  const { loadConfig } = await import('../../packages/server/src/config/index.ts');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    env: {},
    overrides: {
      log_level: 'silent',
      server: { host: '127.0.0.1', port },
      oauth: { issuer },
      database: { url: databaseUrl },
      redis: { url: redisUrl },
      security: { jwt_secret: JWT_SECRET },
      rate_limit: RATE_LIMIT,
      clients,
      users,
    },
  });
  const ctx = await openGatehouse(config);
  const app = await buildApp(ctx);
  await app.listen({ host: '127.0.0.1', port });
  return {
    label: 'in-process floor (openGatehouse + buildApp, logging off, PGlite memory://)',
    base: issuer,
    issuer,
    close: async () => {
      await app.close();
      await ctx.close();
    },
  };
}

/** BENCH_VARIANTS as [{ name, cli }]. */
export function variantsFromEnv() {
  return (process.env.BENCH_VARIANTS ?? '')
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const i = entry.indexOf('=');
      return { name: `gatehouse-${entry.slice(0, i)}`, cli: entry.slice(i + 1) };
    });
}
