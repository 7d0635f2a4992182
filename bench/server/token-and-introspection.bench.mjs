// Server benchmark: Gatehouse (@gatehouse/server) vs oidc-provider v9, same machine, same run.
//
// What it measures (HTTP throughput and tail latency over loopback, autocannon, 50 connections each):
//   1. client_credentials grant: POST /token with client_secret_basic; each response is a freshly signed
//      ES256 JWT access token (RFC 9068) on both servers.
//   2. introspection (RFC 7662): POST /introspect with client_secret_basic for one valid token obtained
//      before the run (must answer `active: true`).
// Scenarios run one after the other (never in parallel: the machine has two cores, and the load generator
// shares them with the servers). Duration per scenario: BENCH_SECONDS (default 10), each preceded by an
// unmeasured warm-up of BENCH_WARMUP_SECONDS (default 2) on the same server and endpoint, so neither server
// is measured while its code is still being optimised by V8. BENCH_ROUNDS (default 1) repeats everything;
// even rounds run the contenders in reverse order, so neither server always goes first. One ratio per round
// is printed, with p99 latency, CPU time per request and the bytes Gatehouse logged per request.
//
// Before measuring, each endpoint is called once and must answer 200 with the expected body; otherwise the
// benchmark exits non-zero. Errors / non-2xx responses during a run are reported and make the exit code 1.
//
// Gatehouse runs as deployed: `gatehouse serve` from the built CLI in a child process, default log level,
// stdout to a file, PGlite file database in a temporary data directory, rate limits raised via its config
// file (bench/server/gatehouse-under-test.mjs; `npm run build` first). oidc-provider and the floors run each
// in their own child process too (this script again, with `--serve <name>`), so no server shares an event
// loop with autocannon; BENCH_ISOLATE=0 runs those in the load generator's process instead.
//
// A third contender, "fastify-floor" (BENCH_FLOOR=0 leaves it out), is the least any Fastify server can do
// for these requests: Fastify + @fastify/formbody answering both endpoints with a fixed JSON body of the
// same shape and size (a real ES256 JWT signed once at start), the same no-store headers, no client
// authentication, no signing, no lookups. Its ratio to oidc-provider in the same run is the ceiling for
// "ours / oidc-provider" on this machine for a server built on Fastify. BENCH_IN_PROCESS=1 adds a fourth,
// "gatehouse-in-process": Gatehouse from the TypeScript sources (needs `--import tsx`), logging off,
// in-memory PGlite: the server without the CLI, its logging and the file database.
//
// Run: npm run build && node bench/server/token-and-introspection.bench.mjs (with `--import tsx` for
// BENCH_IN_PROCESS=1). BENCH_VARIANTS, BENCH_NODE_ARGS, BENCH_LOG, BENCH_LOG_LEVEL: gatehouse-under-test.mjs.
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { SignJWT } from 'jose';
import Provider from 'oidc-provider';
import {
  startGatehouseAsDeployed,
  startGatehouseInProcess,
  variantsFromEnv,
} from './gatehouse-under-test.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const ISOLATE = process.env.BENCH_ISOLATE !== '0';
const FLOOR = process.env.BENCH_FLOOR !== '0';
const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';
const CONNECTIONS = 50;
const CLIENT_ID = 'bench-svc';
const CLIENT_SECRET = 'bench-secret-0123456789abcdefghijkl';
const SCOPE = 'read';
const RESOURCE = 'https://api.example.com';
// oidc-provider refuses to introspect structured (JWT) access tokens ("unsupported_token_type"), so its
// introspection scenario uses an opaque token minted for this second resource. Ours introspects its JWT.
const OPAQUE_RESOURCE = 'https://opaque.example.com';
const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

// --- (1) Gatehouse as deployed: `gatehouse serve`, one client_credentials client from its config file ------
const GATEHOUSE_CLIENTS = [
  {
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    scopes: [SCOPE],
    resources: [RESOURCE],
  },
];
const GATEHOUSE_PATHS = { tokenPath: '/api/oauth/token', introspectPath: '/api/oauth/introspect' };

async function startGatehouse({ name = 'gatehouse', cli } = {}) {
  const gatehouse = await startGatehouseAsDeployed({ clients: GATEHOUSE_CLIENTS, cli });
  return {
    name,
    label: gatehouse.label,
    base: gatehouse.base,
    ...GATEHOUSE_PATHS,
    cpuUsage: async () => ({ user: gatehouse.cpuUs(), system: 0 }),
    logBytes: gatehouse.logBytes,
    close: gatehouse.close,
  };
}

async function startGatehouseFloor() {
  const gatehouse = await startGatehouseInProcess({ clients: GATEHOUSE_CLIENTS });
  return { name: 'gatehouse-in-process', base: gatehouse.base, ...GATEHOUSE_PATHS, close: gatehouse.close };
}

// --- (2) oidc-provider v9: in-memory adapter (default), ES256 JWT access tokens via resource indicators --
async function startOidcProvider() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'es256-bench', alg: 'ES256', use: 'sig' };
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        scope: SCOPE,
        id_token_signed_response_alg: 'ES256', // the only key is ES256 (the default would be RS256)
      },
    ],
    scopes: [SCOPE],
    ttl: { ClientCredentials: 900 }, // same lifetime as ours
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) =>
          resource === OPAQUE_RESOURCE
            ? { scope: SCOPE, accessTokenFormat: 'opaque' }
            : { scope: SCOPE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } },
      },
    },
  });
  server.on('request', provider.callback());
  return {
    name: 'oidc-provider',
    base: issuer,
    tokenPath: '/token',
    introspectPath: '/token/introspection',
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// --- (3) the Fastify floor: fixed answers, same shape, no work ---------------------------------------------
async function startFastifyFloor() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = Math.floor(Date.now() / 1000);
  const accessToken = await new SignJWT({ client_id: CLIENT_ID, scope: SCOPE })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'floor-0123456789abcdef' })
    .setIssuer('http://127.0.0.1:1314')
    .setSubject(CLIENT_ID)
    .setAudience(RESOURCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 900)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
  const tokenResponse = { access_token: accessToken, token_type: 'Bearer', expires_in: 900, scope: SCOPE };
  const introspection = {
    active: true,
    scope: SCOPE,
    client_id: CLIENT_ID,
    token_type: 'Bearer',
    exp: now + 900,
    iat: now,
    sub: CLIENT_ID,
    aud: RESOURCE,
    iss: 'http://127.0.0.1:1314',
    jti: crypto.randomUUID(),
  };
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  await app.register(formbody);
  const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };
  app.post('/token', async (_req, reply) => reply.headers(noStore).send(tokenResponse));
  app.post('/introspect', async (_req, reply) => reply.headers(noStore).send(introspection));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    name: 'fastify-floor',
    base: `http://127.0.0.1:${app.server.address().port}`,
    tokenPath: '/token',
    introspectPath: '/introspect',
    close: () => app.close(),
  };
}

// --- sanity checks: fail loudly before measuring anything -----------------------------------------------
async function post(srv, path, body) {
  const res = await fetch(srv.base + path, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': FORM },
    body,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

// Same request body for both servers: scope + RFC 8707 resource (becomes `aud`).
const tokenBody = () =>
  `grant_type=client_credentials&scope=${SCOPE}&resource=${encodeURIComponent(RESOURCE)}`;

async function obtainToken(srv) {
  const r = await post(srv, srv.tokenPath, tokenBody());
  if (r.status !== 200 || typeof r.json?.access_token !== 'string') {
    throw new Error(`${srv.name}: token endpoint answered ${r.status} ${r.text.slice(0, 300)}`);
  }
  const header = JSON.parse(Buffer.from(r.json.access_token.split('.')[0], 'base64url').toString());
  if (header.alg !== 'ES256') throw new Error(`${srv.name}: access token is not an ES256 JWT: ${r.text}`);
  return r.json.access_token;
}

// Token used for the introspection scenario: our ES256 JWT, or an opaque token for oidc-provider.
async function tokenToIntrospect(srv) {
  if (srv.name.startsWith('gatehouse')) return obtainToken(srv);
  const body = `grant_type=client_credentials&scope=${SCOPE}&resource=${encodeURIComponent(OPAQUE_RESOURCE)}`;
  const r = await post(srv, srv.tokenPath, body);
  if (r.status !== 200 || typeof r.json?.access_token !== 'string') {
    throw new Error(`${srv.name}: opaque token request answered ${r.status} ${r.text.slice(0, 300)}`);
  }
  return r.json.access_token;
}

async function checkIntrospection(srv, token) {
  const r = await post(srv, srv.introspectPath, `token=${encodeURIComponent(token)}`);
  if (r.status !== 200 || r.json?.active !== true) {
    throw new Error(`${srv.name}: introspection answered ${r.status} ${r.text.slice(0, 300)}`);
  }
}

// --- load generation --------------------------------------------------------------------------------------
// --- BENCH_ISOLATE: each server in a child process, which reports its CPU time on request ---------------
const STARTERS = {
  'gatehouse-in-process': startGatehouseFloor,
  'oidc-provider': startOidcProvider,
  'fastify-floor': startFastifyFloor,
};

async function serveInThisProcess(name) {
  const srv = await STARTERS[name]();
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  const { close: _close, ...info } = srv;
  process.send({ ready: info });
}

function startInChildProcess(name) {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', name], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} server process exited with ${code}`)));
    child.once('message', (m) => {
      child.removeAllListeners('exit');
      resolve({
        ...m.ready,
        cpuUsage: () =>
          new Promise((done) => {
            child.once('message', (r) => done(r.cpu));
            child.send('cpu');
          }),
        close: async () => {
          child.kill();
        },
      });
    });
  });
}

async function serverCpu(srv) {
  return srv.cpuUsage ? srv.cpuUsage() : { user: 0, system: 0 };
}

async function measure(srv, path, body, duration = SECONDS) {
  const cpu0 = process.cpuUsage();
  const srvCpu0 = await serverCpu(srv);
  const logBytes0 = srv.logBytes?.() ?? 0;
  const result = await autocannon({
    url: srv.base + path,
    method: 'POST',
    headers: { authorization: basic, 'content-type': FORM },
    body,
    connections: CONNECTIONS,
    duration,
  });
  const cpu = process.cpuUsage(cpu0);
  const srvCpu1 = await serverCpu(srv);
  const serverUs = srvCpu1.user - srvCpu0.user + srvCpu1.system - srvCpu0.system;
  const perRequest = (us) => us / Math.max(1, result.requests.total);
  return {
    // Servers in a child process only: the server process's own CPU time per request (no load generator in it).
    serverCpuUs: srv.cpuUsage ? perRequest(serverUs) : undefined,
    logBytes: srv.logBytes ? perRequest(srv.logBytes() - logBytes0) : undefined,
    // Process CPU time (all threads, load generator included) per request: much steadier than req/s when
    // other jobs share the machine, since it does not depend on how much CPU this process was given.
    cpuUs: perRequest(cpu.user + cpu.system + serverUs),
    rps: result.requests.average,
    p99: result.latency.p99,
    bad: result.errors + result.timeouts + result.non2xx,
    total: result.requests.total,
  };
}

if (process.argv[2] === '--serve') {
  await serveInThisProcess(process.argv[3]);
  await new Promise(() => {}); // serve until the parent kills this process
}

const names = [
  'oidc-provider',
  ...(FLOOR ? ['fastify-floor'] : []),
  ...(IN_PROCESS ? ['gatehouse-in-process'] : []),
];
const servers = [await startGatehouse()];
for (const name of names) servers.push(ISOLATE ? await startInChildProcess(name) : await STARTERS[name]());
for (const variant of variantsFromEnv()) servers.push(await startGatehouse(variant));
const [ours, peer] = servers;
const floor = servers.find((s) => s.name === 'fastify-floor');
const inProcess = servers.find((s) => s.name === 'gatehouse-in-process');
let failed = false;
try {
  const tokens = {};
  for (const srv of servers) {
    await obtainToken(srv);
    tokens[srv.name] = await tokenToIntrospect(srv);
    await checkIntrospection(srv, tokens[srv.name]);
    console.log(`ok  ${srv.name} at ${srv.base}: token 200 (ES256 JWT), introspection 200 active=true`);
  }

  const scenarios = [
    { name: 'client_credentials grant', path: (s) => s.tokenPath, body: () => tokenBody() },
    {
      name: 'introspection (valid token)',
      path: (s) => s.introspectPath,
      body: (s) => `token=${encodeURIComponent(tokens[s.name])}`,
    },
  ];

  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`\ngatehouse = ${ours.label}`);
  console.log(
    `${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, ${ROUNDS} round(s), servers ${ISOLATE ? 'each in its own process' : 'in the load generator process'}, Node ${process.version}, load average ${load()}\n`,
  );
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 0 ? [...servers].reverse() : servers;
    for (const sc of scenarios) {
      const r = {};
      for (const srv of order) {
        process.stdout.write(`round ${round}: ${sc.name} on ${srv.name}... `);
        if (WARMUP_SECONDS > 0) {
          const w = await measure(srv, sc.path(srv), sc.body(srv), WARMUP_SECONDS);
          if (w.bad > 0) failed = true;
        }
        r[srv.name] = await measure(srv, sc.path(srv), sc.body(srv));
        console.log(`${Math.round(r[srv.name].rps)} req/s`);
        if (r[srv.name].bad > 0) failed = true;
      }
      rows.push({ round, sc, r });
    }
  }

  console.log(`\nload average at the end: ${load()}`);
  console.log(
    '\n| Round | Scenario | Server | req/s | p99 ms | CPU µs / req (all) | CPU µs / req (server) | log bytes / req | errors+non-2xx / total | … / oidc-provider |',
  );
  console.log('| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const ratios = {};
  const p99s = {};
  const floorRatios = {};
  const otherRatios = {};
  for (const { round, sc, r } of rows) {
    const a = r[ours.name];
    const b = r[peer.name];
    ratios[sc.name] = [...(ratios[sc.name] ?? []), a.rps / b.rps];
    p99s[sc.name] = [...(p99s[sc.name] ?? []), `${a.p99} vs ${b.p99} ms`];
    for (const other of servers.filter((x) => x.name.startsWith('gatehouse-'))) {
      const key = `${sc.name}: ${other.name}${other === inProcess ? ' (floor, logging off)' : ''}`;
      otherRatios[key] = [...(otherRatios[key] ?? []), r[other.name].rps / b.rps];
    }
    if (floor) floorRatios[sc.name] = [...(floorRatios[sc.name] ?? []), r[floor.name].rps / b.rps];
    const ratio = (m) =>
      `${(m.rps / b.rps).toFixed(2)}× req/s, ${(b.cpuUs / m.cpuUs).toFixed(2)}× CPU/req` +
      (m.serverCpuUs && b.serverCpuUs
        ? `, ${(b.serverCpuUs / m.serverCpuUs).toFixed(2)}× server CPU/req`
        : '');
    for (const srv of servers) {
      const m = r[srv.name];
      console.log(
        `| ${round} | ${sc.name} | ${srv.name} | ${Math.round(m.rps)} | ${m.p99} | ${Math.round(m.cpuUs)} | ${m.serverCpuUs === undefined ? '' : Math.round(m.serverCpuUs)} | ${m.logBytes === undefined ? '' : Math.round(m.logBytes)} | ${m.bad} / ${m.total} | ${srv === peer ? '' : ratio(m)} |`,
      );
    }
  }
  console.log('');
  for (const [name, list] of Object.entries(ratios)) {
    const fmt = (x) => `${x.toFixed(2)}×`;
    console.log(
      `${name}: ours / oidc-provider ${list.map(fmt).join(', ')} (min ${fmt(Math.min(...list))}, max ${fmt(Math.max(...list))}; goal ≥ 4×); p99 ours vs oidc-provider ${p99s[name].join(', ')}`,
    );
    for (const [key, others] of Object.entries(otherRatios)) {
      if (key.startsWith(`${name}: `)) console.log(`${key} / oidc-provider ${others.map(fmt).join(', ')}`);
    }
    const ceiling = floorRatios[name];
    if (ceiling) {
      console.log(
        `${name}: fastify-floor / oidc-provider ${ceiling.map(fmt).join(', ')} (the ceiling for any Fastify server in this run)`,
      );
    }
  }
  if (failed) console.error('\nWARNING: errors or non-2xx responses during a run (see table).');
} catch (err) {
  console.error(err);
  failed = true;
} finally {
  for (const srv of servers) await srv.close();
}
process.exit(failed ? 1 : 0);
