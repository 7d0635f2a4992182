// Server benchmark: the signed-in user's authorization code flow and the refresh-token grant, Gatehouse
// (@gatehouse/server) vs oidc-provider v9, same process, same machine, same run.
//
// What it measures (a custom loop over node:http keep-alive connections, because one "flow" is two chained
// requests and autocannon cannot chain them):
//   1. sign-in flow: GET /authorize with the session cookie of a user who is signed in and has already
//      consented (PKCE S256, scope `openid read`, state, nonce) → 302/303 to redirect_uri with `code` →
//      POST /token `authorization_code` with `code_verifier` (client_secret_basic) → 200 with an ES256 JWT
//      access token and an ES256 ID token. Flows per second and p99 flow latency, CONCURRENCY loops.
//   2. refresh grant with rotation: CONCURRENCY independent refresh chains (each loop rotates its own
//      refresh token: every response carries a new one, the old one is spent). Requests per second, p99.
// Both servers run the same scenario one after the other (never in parallel). Gatehouse runs as deployed:
// `gatehouse serve` from the built CLI in a child process, default log level, stdout to a file, configured by
// a config file and environment variables (bench/server/gatehouse-under-test.mjs; `npm run build` first).
// oidc-provider runs on this process's main thread; the loops run on a worker thread, so the load generator
// has its own event loop instead of stealing oidc-provider's time. Duration per run: BENCH_SECONDS
// (default 10), after BENCH_WARMUP_SECONDS (default 2); BENCH_CONCURRENCY loops (default 50).
//
// Equivalent set-up: a confidential client (client_secret_basic) that must consent, on both servers. The user
// signs in and consents once through each server's own pages (Gatehouse: login + consent forms with CSRF;
// oidc-provider: its devInteractions login + consent prompts), then every measured flow reuses that browser's
// session cookies, so neither server shows a page: the stored session and the remembered consent (Gatehouse:
// the `consent:` store entry; oidc-provider: the Grant of the session) are looked up on every flow.
//
// Correctness before measuring (any failure exits non-zero): access and ID tokens verified against each
// server's JWKS (ES256, iss, aud, nonce); a replayed code answers invalid_grant; on a separate user's chain a
// rotated refresh token works once, its reuse answers invalid_grant and revokes the chain (the newest token
// stops working too). During runs every response is checked (status, state, code, ES256 JWT header, new
// refresh token); any error fails the run.
//
// Run: node bench/server/sign-in-flow-and-refresh.bench.mjs
// Multi-node: BENCH_DATABASE_URL=postgres://… BENCH_REDIS_URL=redis://… (Gatehouse on PostgreSQL + Redis,
// oidc-provider with its example Redis adapter, bench/server/oidc-provider-redis-adapter.mjs).
// Profile our side (BENCH_SCENARIO=flow|refresh runs one scenario):
//   BENCH_ONLY=gatehouse BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' node bench/server/…
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
// ≥ 3× oidc-provider on both scenarios; the goal is set for the multi-node configuration (PostgreSQL + Redis
// against oidc-provider with its Redis adapter).
const GOAL = 3;
const CLIENT_ID = 'bench-web';
const CLIENT_SECRET = 'bench-web-secret-0123456789abcdefgh';
const REDIRECT_URI = 'https://app.example.com/cb';
const SCOPE = 'read';
const RESOURCE = 'https://api.example.com';
const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';
const USERS = ['alice', 'bob', 'carol']; // alice is measured; bob and carol are for replay checks
const PASSWORD = 'bench correct horse battery';

// --- HTTP: node:http with keep-alive (cheaper for the load generator than fetch) ---------------------------
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function request(base, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.setHeader('content-type', FORM);
      req.setHeader('content-length', Buffer.byteLength(body));
      req.end(body);
    } else req.end();
  });
}

/** Cookie jar of one browser: name → value, ignoring path (good enough for two servers on their own ports). */
class Browser {
  cookies = new Map();
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  keep(res) {
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const gone = attrs.some((a) => {
        const [k, v] = a.trim().split('=');
        if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
        if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
        return false;
      });
      if (gone || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  async send(srv, method, path, body) {
    const res = await request(srv.base, method, path, { headers: { cookie: this.header() }, body });
    this.keep(res);
    return res;
  }
}

const b64url = (buf) => buf.toString('base64url');
const pkce = () => {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
};

function authorizeQuery({ scope, challenge, state, nonce, prompt }) {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (prompt) q.set('prompt', prompt);
  return q.toString();
}

/** Reads code/state from a redirect to REDIRECT_URI; throws on anything else. */
function codeFrom(srv, res, state) {
  const loc = res.headers.location;
  if ((res.status !== 302 && res.status !== 303) || !loc?.startsWith(`${REDIRECT_URI}?`)) {
    throw new Error(`${srv.name}: authorize answered ${res.status} ${loc ?? res.body.slice(0, 200)}`);
  }
  const q = new URL(loc).searchParams;
  if (q.get('state') !== state || !q.get('code')) throw new Error(`${srv.name}: bad redirect ${loc}`);
  if (q.get('iss') !== srv.issuer)
    throw new Error(`${srv.name}: redirect iss ${q.get('iss')} ≠ ${srv.issuer}`);
  return q.get('code');
}

const tokenRequest = (srv, body) =>
  request(srv.base, 'POST', srv.tokenPath, { headers: { authorization: basic }, body });

const jwtAlg = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).alg;

/** Cheap per-response check during runs (full signature checks happen before measuring). */
function tokens(srv, res, { idToken, refresh }) {
  if (res.status !== 200)
    throw new Error(`${srv.name}: token endpoint ${res.status} ${res.body.slice(0, 200)}`);
  const json = JSON.parse(res.body);
  if (typeof json.access_token !== 'string' || jwtAlg(json.access_token) !== 'ES256') {
    throw new Error(`${srv.name}: access token is not an ES256 JWT`);
  }
  if (idToken && (typeof json.id_token !== 'string' || jwtAlg(json.id_token) !== 'ES256')) {
    throw new Error(`${srv.name}: no ES256 id_token`);
  }
  if (refresh && typeof json.refresh_token !== 'string') throw new Error(`${srv.name}: no refresh_token`);
  return json;
}

// --- (1) Gatehouse as deployed: `gatehouse serve`, client and users from its config file -------------------
/**
 * Default: the embedded PGlite file database in the data directory and the in-process store (one node, like
 * oidc-provider's in-memory adapter). BENCH_DATABASE_URL (PostgreSQL; a fresh schema is created and dropped)
 * and BENCH_REDIS_URL run Gatehouse in its multi-node configuration instead.
 */
async function sharedServices() {
  const redisUrl = process.env.BENCH_REDIS_URL;
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) return { databaseUrl: undefined, redisUrl, drop: async () => {} };
  const { default: pg } = await import('pg');
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    databaseUrl: url.toString(),
    redisUrl,
    drop: async () => {
      await admin.query(`drop schema "${schema}" cascade`);
      await admin.end();
    },
  };
}

async function startGatehouse() {
  // Imported here, not at the top: the load-generator worker runs this file too and needs none of it.
  const { startGatehouseAsDeployed } = await import('./gatehouse-under-test.mjs');
  const shared = await sharedServices();
  const gatehouse = await startGatehouseAsDeployed({
    databaseUrl: shared.databaseUrl,
    redisUrl: shared.redisUrl,
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        scopes: [SCOPE],
        redirect_uris: [REDIRECT_URI],
      },
    ],
    users: USERS.map((username) => ({ username, password: PASSWORD })),
  });
  const { issuer } = gatehouse;
  const srv = {
    name: 'gatehouse',
    label: gatehouse.label,
    base: issuer,
    issuer,
    authorizePath: '/api/oauth/authorize',
    tokenPath: '/api/oauth/token',
    jwksPath: '/api/oauth/jwks',
    accessTokenAudience: issuer,
    close: async () => {
      await gatehouse.close();
      await shared.drop();
    },
  };
  /** Gatehouse's own login and consent forms (CSRF token from the hidden field + gh_csrf cookie). */
  srv.signIn = async (browser, username, query) => {
    const hidden = (html) => {
      const out = {};
      for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
        out[m[1]] = m[2]
          .replace(/&#(\d+);/g, (_s, n) => String.fromCharCode(Number(n)))
          .replace(/&amp;/g, '&');
      }
      return out;
    };
    let res = await browser.send(srv, 'GET', `${srv.authorizePath}?${query}`);
    for (let step = 0; step < 3 && res.status === 200; step++) {
      const fields = hidden(res.body);
      const form = res.body.includes('name="consent"')
        ? { ...fields, consent: 'approve' }
        : { ...fields, username, password: PASSWORD };
      res = await browser.send(srv, 'POST', srv.authorizePath, new URLSearchParams(form).toString());
    }
    return res;
  };
  return srv;
}

// --- (2) oidc-provider v9: devInteractions, ES256 JWT access tokens; in-memory adapter (default), or its
// example Redis adapter with BENCH_REDIS_URL ------------------------------------------------------------------
async function startOidcProvider() {
  const { default: Provider } = await import('oidc-provider');
  const redisUrl = process.env.BENCH_REDIS_URL;
  const redis = redisUrl
    ? (await import('./oidc-provider-redis-adapter.mjs')).redisAdapter(
        redisUrl,
        `oidc-bench-${randomBytes(6).toString('hex')}:`,
      )
    : undefined;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'es256-bench', alg: 'ES256', use: 'sig' };
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    ...(redis ? { adapter: redis.Adapter } : {}),
    jwks: { keys: [jwk] },
    cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        scope: `openid offline_access ${SCOPE}`,
        id_token_signed_response_alg: 'ES256', // the only key is ES256 (the default would be RS256)
      },
    ],
    scopes: ['openid', 'offline_access', SCOPE],
    pkce: { required: () => true }, // as on Gatehouse: S256 always
    rotateRefreshToken: true, // as on Gatehouse: every refresh rotates
    // Same lifetimes as Gatehouse's defaults.
    ttl: { AccessToken: 900, IdToken: 900, AuthorizationCode: 60, RefreshToken: 30 * 24 * 3600 },
    features: {
      devInteractions: { enabled: true }, // sign-in + consent once, before measuring
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: SCOPE,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  server.on('request', provider.callback());
  const srv = {
    name: 'oidc-provider',
    label: `oidc-provider ${redis ? 'with its example Redis adapter' : 'with its in-memory adapter'}`,
    base: issuer,
    issuer,
    authorizePath: '/auth',
    tokenPath: '/token',
    jwksPath: '/jwks',
    accessTokenAudience: RESOURCE,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await redis?.close();
    },
  };
  /** devInteractions: follow redirects on the provider's origin, answering its login and consent prompts. */
  srv.signIn = async (browser, username, query) => {
    let res = await browser.send(srv, 'GET', `${srv.authorizePath}?${query}`);
    for (let step = 0; step < 10; step++) {
      const loc = res.headers.location;
      if (!(res.status === 302 || res.status === 303) || !loc || loc.startsWith(REDIRECT_URI)) return res;
      const url = new URL(loc, issuer);
      res = await browser.send(srv, 'GET', url.pathname + url.search);
      const prompt = /name="prompt" value="(\w+)"/.exec(res.body)?.[1];
      if (res.status === 200 && prompt) {
        const form = prompt === 'login' ? { prompt, login: username, password: PASSWORD } : { prompt };
        res = await browser.send(srv, 'POST', url.pathname, new URLSearchParams(form).toString());
      }
    }
    throw new Error(`${srv.name}: sign-in did not finish`);
  };
  return srv;
}

// --- one flow and one refresh --------------------------------------------------------------------------------
async function flow(srv, cookie, scope = `openid ${SCOPE}`) {
  const { verifier, challenge } = pkce();
  const state = b64url(randomBytes(12));
  const nonce = b64url(randomBytes(12));
  const auth = await request(
    srv.base,
    'GET',
    `${srv.authorizePath}?${authorizeQuery({ scope, challenge, state, nonce })}`,
    {
      headers: { cookie },
    },
  );
  const code = codeFrom(srv, auth, state);
  const body = `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_verifier=${verifier}`;
  const res = await tokenRequest(srv, body);
  return { json: tokens(srv, res, { idToken: true, refresh: false }), code, body, nonce };
}

async function refresh(srv, token) {
  const res = await tokenRequest(srv, `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}`);
  const json = tokens(srv, res, { idToken: true, refresh: true });
  if (json.refresh_token === token) throw new Error(`${srv.name}: refresh token was not rotated`);
  return json.refresh_token;
}

/** A new refresh chain for a signed-in user (oidc-provider honours offline_access only with prompt=consent). */
async function newChain(srv, browser, username) {
  const { verifier, challenge } = pkce();
  const state = b64url(randomBytes(12));
  const query = authorizeQuery({
    scope: `openid offline_access ${SCOPE}`,
    challenge,
    state,
    nonce: b64url(randomBytes(12)),
    prompt: 'consent',
  });
  const res = await srv.signIn(browser, username, query);
  const code = codeFrom(srv, res, state);
  const body = `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_verifier=${verifier}`;
  return tokens(srv, await tokenRequest(srv, body), { idToken: true, refresh: true }).refresh_token;
}

// --- correctness checks before measuring ------------------------------------------------------------------
async function expectInvalidGrant(srv, body, what) {
  const res = await tokenRequest(srv, body);
  const err = res.status === 400 ? JSON.parse(res.body).error : undefined;
  if (err !== 'invalid_grant')
    throw new Error(`${srv.name}: ${what} answered ${res.status} ${res.body.slice(0, 200)}`);
}

async function check(srv, browser) {
  const { createLocalJWKSet, jwtVerify } = await import('jose');
  const jwks = createLocalJWKSet(JSON.parse((await request(srv.base, 'GET', srv.jwksPath)).body));
  const verify = (jwt, audience) =>
    jwtVerify(jwt, jwks, { algorithms: ['ES256'], issuer: srv.issuer, audience });

  const f = await flow(srv, browser.header());
  await verify(f.json.access_token, srv.accessTokenAudience);
  const { payload: id } = await verify(f.json.id_token, CLIENT_ID);
  if (id.nonce !== f.nonce) throw new Error(`${srv.name}: id_token nonce mismatch`);

  // Replay and reuse checks run on other users' sessions: oidc-provider answers a replayed code or a reused
  // refresh token by revoking the whole grant (the remembered consent included), Gatehouse by revoking the
  // tokens of that code / refresh family; either way the measured user must not be touched.
  const bob = new Browser();
  await newChain(srv, bob, USERS[1]); // signs in and consents
  const replayed = await flow(srv, bob.header());
  await expectInvalidGrant(srv, replayed.body, 'replayed code');

  const carol = new Browser();
  const first = await newChain(srv, carol, USERS[2]);
  const second = await refresh(srv, first);
  const third = await refresh(srv, second);
  await expectInvalidGrant(
    srv,
    `grant_type=refresh_token&refresh_token=${encodeURIComponent(second)}`,
    'reused refresh token',
  );
  await expectInvalidGrant(
    srv,
    `grant_type=refresh_token&refresh_token=${encodeURIComponent(third)}`,
    'newest token after reuse',
  );
}

// --- load generation ---------------------------------------------------------------------------------------
const percentile = (sorted, p) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** CONCURRENCY loops calling step(loopIndex) until the deadline; a loop stops at its first error. */
async function loops(seconds, step) {
  const latencies = [];
  let errors = 0;
  let firstError;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await step(i);
        } catch (err) {
          errors++;
          firstError ??= err;
          return;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSec: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ok: latencies.length,
    errors,
    firstError,
  };
}

/** Runs one scenario's loops on a worker thread, so the load generator does not share the servers' thread. */
function inWorker(srv, kind, input) {
  const descriptor = {
    name: srv.name,
    base: srv.base,
    issuer: srv.issuer,
    authorizePath: srv.authorizePath,
    tokenPath: srv.tokenPath,
  };
  const worker = new Worker(new URL(import.meta.url), { workerData: { srv: descriptor, kind, ...input } });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** Worker side: warm-up, then the measured run, with the cookie (flow) or the refresh chains (refresh). */
async function workerMain() {
  const { srv, kind, cookie, chains } = workerData;
  const step =
    kind === 'flow'
      ? () => flow(srv, cookie)
      : async (i) => {
          chains[i] = await refresh(srv, chains[i]);
        };
  const warm = await loops(WARMUP_SECONDS, step);
  const m = warm.errors > 0 ? warm : await loops(SECONDS, step);
  agent.destroy();
  parentPort.postMessage({ ...m, firstError: m.firstError?.message });
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function main() {
  // BENCH_ONLY=gatehouse runs our server alone (for profiling with `node --cpu-prof`); no ratio then.
  const ONLY = process.env.BENCH_ONLY;
  const servers = [
    ...(ONLY === undefined || ONLY === 'gatehouse' ? [await startGatehouse()] : []),
    ...(ONLY === undefined || ONLY === 'oidc-provider' ? [await startOidcProvider()] : []),
  ];
  const [ours, peer] = ONLY === undefined ? servers : [servers[0], undefined];
  let failed = false;
  try {
    const browsers = {};
    for (const srv of servers) {
      const browser = new Browser();
      // Sign in and consent once (scope includes offline_access, so later chains only repeat the consent).
      await newChain(srv, browser, USERS[0]);
      await check(srv, browser);
      browsers[srv.name] = browser;
      console.log(
        `ok  ${srv.name} at ${srv.base}: flow verified (ES256 access + ID token, nonce), code replay → invalid_grant, ` +
          'rotated refresh token reuse → invalid_grant + chain revoked',
      );
    }
    // The chains are started right before their run: oidc-provider's in-memory adapter is an LRU of 1,000
    // entries, so refresh tokens issued before the flow runs would have been evicted by then.
    const startChains = async (srv) => {
      const chains = [];
      while (chains.length < CONCURRENCY) chains.push(await newChain(srv, browsers[srv.name], USERS[0]));
      return { chains };
    };

    const scenarios = [
      {
        name: 'sign-in flow (authorize → token)',
        unit: 'flows/s',
        kind: 'flow',
        goal: GOAL,
        prepare: async (srv) => ({ cookie: browsers[srv.name].header() }),
      },
      {
        name: 'refresh grant (rotation)',
        unit: 'req/s',
        kind: 'refresh',
        goal: GOAL,
        prepare: startChains,
      },
    ];

    for (const srv of servers) console.log(`${srv.name} = ${srv.label}`);
    console.log(
      `${process.env.BENCH_REDIS_URL ? '' : 'Gatehouse with its in-process store; '}` +
        `${CONCURRENCY} concurrent loops, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per run, Node ${process.version}, load average ${load()}\n`,
    );
    const rows = [];
    const only = process.env.BENCH_SCENARIO; // flow | refresh: one scenario only (for profiling)
    for (const sc of scenarios.filter((x) => only === undefined || x.kind === only)) {
      const r = {};
      for (const srv of servers) {
        const input = await sc.prepare(srv);
        process.stdout.write(`running ${sc.name} on ${srv.name}... `);
        const m = await inWorker(srv, sc.kind, input);
        r[srv.name] = m;
        console.log(`${Math.round(m.perSec)} ${sc.unit}`);
        if (m.errors > 0) {
          failed = true;
          console.error(`  first error: ${m.firstError}`);
        }
      }
      rows.push({ sc, r });
    }

    console.log(`\nload average at the end: ${load()}`);
    console.log(`\n| Scenario | Server | rate | p50 ms | p99 ms | errors / ok | ours / oidc-provider |`);
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const { sc, r } of rows) {
      const ratio = peer ? r[ours.name].perSec / r[peer.name].perSec : Number.NaN;
      for (const srv of servers) {
        const m = r[srv.name];
        console.log(
          `| ${sc.name} | ${srv.name} | ${Math.round(m.perSec)} ${sc.unit} | ${m.p50.toFixed(1)} | ${m.p99.toFixed(1)} | ` +
            `${m.errors} / ${m.ok} | ${srv === ours && peer ? `**${ratio.toFixed(2)}×**${sc.goal ? ` (goal ≥ ${sc.goal}×)` : ''}` : ''} |`,
        );
      }
    }
    if (failed) console.error('\nFAILED: errors during a run (see above).');
  } catch (err) {
    console.error(err);
    failed = true;
  } finally {
    agent.destroy();
    for (const srv of servers) await srv.close();
  }
  return failed;
}

if (isMainThread) process.exit((await main()) ? 1 : 0);
else await workerMain();
