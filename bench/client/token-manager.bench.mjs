// Token manager benchmark (run: node --import tsx bench/client/token-manager.bench.mjs).
//  (a) 1,000 concurrent getAccessToken calls on an expired token against a real local node:http token
//      server: asserts that exactly one refresh request reaches the server (single flight).
//  (b) cost per cached getAccessToken call with MemoryTokenStorage (goal < 5 µs/call).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { MemoryTokenStorage } from '../../packages/client/src/storage/memory-storage.ts';
import { TokenManager } from '../../packages/client/src/token/manager.ts';

const CONCURRENCY = 1_000;
const CACHED_CALLS = 200_000;
const WARMUP_CALLS = 20_000;
const GOAL_US = 5;

// --- a real token endpoint -------------------------------------------------------------------------
let refreshRequests = 0;
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => {
    body += c;
  });
  req.on('end', () => {
    const form = new URLSearchParams(body);
    if (req.method !== 'POST' || form.get('grant_type') !== 'refresh_token') {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"invalid_request"}');
      return;
    }
    refreshRequests++;
    // A little latency so that all 1,000 callers are really waiting on the same refresh.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(
        JSON.stringify({
          access_token: `at-${refreshRequests}`,
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: `rt-${refreshRequests}`,
        }),
      );
    }, 20);
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const tokenUrl = `http://127.0.0.1:${server.address().port}/token`;

/** TokenEndpoint doing a real HTTP refresh (RFC 6749 §6) against the local server. */
const endpoint = {
  async refresh(refreshToken) {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: 'bench',
      }),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`refresh failed: ${res.status} ${json.error}`);
    return {
      accessToken: json.access_token,
      tokenType: json.token_type,
      expiresIn: json.expires_in,
      refreshToken: json.refresh_token,
      raw: json,
    };
  },
};

const expired = (now) => ({
  accessToken: 'at-expired',
  refreshToken: 'rt-0',
  tokenType: 'Bearer',
  expiresAt: now - 1_000,
  scopes: [],
  metadata: { createdAt: now - 3_600_000, refreshCount: 0 },
});

const rows = [];
try {
  // --- (a) single flight under 1,000 concurrent callers ---------------------------------------------
  {
    const storage = new MemoryTokenStorage();
    const manager = new TokenManager({ storage, endpoint });
    await storage.store('user-1', expired(Date.now()));
    const start = performance.now();
    const tokens = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => manager.getAccessToken('user-1')),
    );
    const ms = performance.now() - start;
    const distinct = new Set(tokens.map((t) => t.token));
    assert.equal(refreshRequests, 1, `expected exactly 1 refresh request, got ${refreshRequests}`);
    assert.deepEqual([...distinct], ['at-1'], 'every caller gets the refreshed token');
    rows.push({
      scenario: `${CONCURRENCY.toLocaleString('en')} concurrent getAccessToken, expired token`,
      result: `${refreshRequests} refresh request, ${distinct.size} distinct token`,
      detail: `${ms.toFixed(1)} ms wall (incl. 20 ms server latency)`,
      check: refreshRequests === 1 ? 'PASS (= 1)' : 'FAIL',
    });
  }

  // --- (b) cached getAccessToken cost ----------------------------------------------------------------
  {
    const storage = new MemoryTokenStorage();
    const manager = new TokenManager({ storage, endpoint });
    const now = Date.now();
    await storage.store('user-2', { ...expired(now), accessToken: 'at-fresh', expiresAt: now + 3_600_000 });
    const before = refreshRequests;
    for (let i = 0; i < WARMUP_CALLS; i++) await manager.getAccessToken('user-2');
    const runs = [];
    for (let run = 0; run < 5; run++) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < CACHED_CALLS; i++) await manager.getAccessToken('user-2');
      runs.push(Number(process.hrtime.bigint() - start) / 1_000 / CACHED_CALLS);
    }
    runs.sort((x, y) => x - y);
    const median = runs[Math.floor(runs.length / 2)];
    assert.equal(refreshRequests, before, 'cached calls must not refresh');
    rows.push({
      scenario: `cached getAccessToken, MemoryTokenStorage (${CACHED_CALLS.toLocaleString('en')} calls × 5)`,
      result: `${median.toFixed(2)} µs/call (median)`,
      detail: `min ${runs[0].toFixed(2)} / max ${runs.at(-1).toFixed(2)} µs, ${(1 / median).toFixed(2)} M calls/s`,
      check: median < GOAL_US ? `PASS (< ${GOAL_US} µs)` : `FAIL (goal < ${GOAL_US} µs)`,
    });
    assert.ok(
      median < GOAL_US,
      `cached getAccessToken took ${median.toFixed(2)} µs/call (goal < ${GOAL_US})`,
    );
  }
} finally {
  server.close();
  printTable(rows);
}

function printTable(data) {
  if (data.length === 0) return;
  const cols = ['scenario', 'result', 'detail', 'check'];
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(c.length, ...data.map((r) => String(r[c]).length))]),
  );
  const line = (r) => `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ')} |`;
  console.log(`\nToken manager (Node ${process.version}, ${process.platform}/${process.arch})`);
  console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
  console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
  for (const r of data) console.log(line(r));
}
