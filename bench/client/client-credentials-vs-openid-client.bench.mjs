// Client credentials: @gatehouse/client vs openid-client v6, same run, same local token server
// (run: node --import tsx bench/client/client-credentials-vs-openid-client.bench.mjs; BENCH_N=3000 by default).
// A plain node:http server answers discovery and client_credentials with a fixed JSON token response, so the
// numbers measure the client libraries (request building, auth header, response parsing), not a provider.
import { createServer } from 'node:http';
import * as oc from 'openid-client';
import { createOAuth2Client } from '../../packages/client/src/index.ts';

const N = Number(process.env.BENCH_N ?? 3000);
const WARMUP = Math.max(200, Math.floor(N / 10));
const ROUNDS = 2; // each round runs every contender once, order alternated between rounds
const GOAL = 0.9;

const TOKEN = JSON.stringify({
  access_token: 'at-fixed',
  token_type: 'Bearer',
  expires_in: 3600,
  scope: 'api:read',
});
let issuer = '';
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/.well-known/openid-configuration') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        issuer,
        token_endpoint: `${issuer}/token`,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        grant_types_supported: ['client_credentials'],
      }),
    );
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    const form = new URLSearchParams(body);
    if (req.method !== 'POST' || req.url !== '/token' || form.get('grant_type') !== 'client_credentials') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"invalid_request"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(TOKEN);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
issuer = `http://127.0.0.1:${server.address().port}`;
const tokenEndpoint = `${issuer}/token`;

const creds = { clientId: 'bench', clientSecret: 'bench-secret-0123456789' };
// The default resilience stack includes a client-side token-endpoint rate limit of 60 requests/minute, which
// would cap any throughput run at 1 req/s; it is switched off here, everything else (retry, timeout, circuit
// breaker) stays at its defaults.
const ours = createOAuth2Client({
  ...creds,
  tokenEndpoint,
  scopes: ['api:read'],
  resilience: { rateLimit: false },
});
const oursNoRes = createOAuth2Client({ ...creds, tokenEndpoint, scopes: ['api:read'], resilience: false });
const config = await oc.discovery(new URL(issuer), creds.clientId, creds.clientSecret, undefined, {
  execute: [oc.allowInsecureRequests],
});

const contenders = {
  gatehouse: async () => {
    const t = await ours.clientCredentials().requestToken();
    if (!t.accessToken) throw new Error('no token');
  },
  'gatehouse (resilience: false)': async () => {
    const t = await oursNoRes.clientCredentials().requestToken();
    if (!t.accessToken) throw new Error('no token');
  },
  'openid-client': async () => {
    const t = await oc.clientCredentialsGrant(config, { scope: 'api:read' });
    if (!t.access_token) throw new Error('no token');
  },
};

async function run(fn, n, concurrency) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await fn();
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

const names = Object.keys(contenders);
const results = {};
for (const concurrency of [1, 10]) {
  for (const name of names) {
    await run(contenders[name], WARMUP, concurrency); // warm-up
    if (process.env.BENCH_DEBUG) console.log('warm', name);
  }
  const ops = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) ops[name].push(await run(contenders[name], N, concurrency));
  }
  results[concurrency] = Object.fromEntries(names.map((n) => [n, Math.max(...ops[n])]));
  const all = Object.fromEntries(names.map((n) => [n, ops[n].map((x) => x.toFixed(0)).join(' / ')]));
  console.log(
    `\nconcurrency ${concurrency}, N=${N} per run, ${ROUNDS} runs each (best shown, all runs in brackets):`,
  );
  const peer = results[concurrency]['openid-client'];
  for (const name of names) {
    const v = results[concurrency][name];
    console.log(
      `  ${name.padEnd(30)} ${v.toFixed(0).padStart(7)} ops/s  ratio vs openid-client ${(v / peer).toFixed(3)}  [${all[name]}]`,
    );
  }
}
let ok = true;
for (const c of [1, 10]) {
  const ratio = results[c].gatehouse / results[c]['openid-client'];
  const met = ratio >= GOAL;
  ok &&= met;
  console.log(
    `goal (gatehouse >= ${GOAL} × openid-client) at concurrency ${c}: ${met ? 'met' : 'NOT met'} (${ratio.toFixed(3)})`,
  );
}
server.closeAllConnections();
server.close();
console.log(`Node ${process.version}`);
process.exitCode = ok ? 0 : 1;
