import { describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import type { ServerAddresses } from '../src/app/server.js';
import { describeDatabase, describeStore, logStartupSummary } from '../src/app/startup-summary.js';
import { testConfig } from './support/app.js';
import { createFreshSchema } from './support/fresh-schema.js';
import { capturedLogger } from './support/log-capture.js';

/** What `gatehouse serve` says once it listens: what it runs with, and how to begin on a fresh install. */

const ADDRESSES: ServerAddresses = {
  url: 'http://127.0.0.1:1314',
  metricsUrl: undefined,
  metrics: { where: 'main' },
};

async function summaryOf(overrides: Record<string, unknown>) {
  const { logger, text } = capturedLogger('info');
  const gatehouse = await openGatehouse(testConfig(overrides), { logger });
  try {
    await logStartupSummary(gatehouse, ADDRESSES);
  } finally {
    await gatehouse.close();
  }
  return text()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown> & { level: number; msg: string });
}

describe('start-up summary', () => {
  it('names the issuer, database, store, clients, discovery URL and metrics at info', async () => {
    const lines = await summaryOf({ oauth: { issuer: 'https://id.example.com/auth' } });
    expect(lines).toHaveLength(1);
    const [summary] = lines;
    expect(summary).toMatchObject({
      level: 30,
      issuer: 'https://id.example.com/auth',
      database: 'embedded PGlite (in memory)',
      store: 'in-process',
      clients: 3,
      discovery: 'https://id.example.com/auth/.well-known/openid-configuration',
      metrics: 'http://127.0.0.1:1314/metrics',
    });
    expect(summary!.msg).toBe(
      'gatehouse started: issuer https://id.example.com/auth, database embedded PGlite (in memory), store ' +
        'in-process, 3 clients; discovery at https://id.example.com/auth/.well-known/openid-configuration; ' +
        'metrics http://127.0.0.1:1314/metrics',
    );
  });

  it('on the embedded database with no client, adds one line on registering the first site', async () => {
    const lines = await summaryOf({ clients: [] });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ clients: 0 });
    expect(lines[1]!.level).toBe(30);
    expect(lines[1]!.msg).toContain('gatehouse clients create <client_id>');
    expect(lines[1]!.msg).toContain('--redirect-uri https://<site>/callback');
  });

  it.skipIf(missing('postgres'))(
    'on PostgreSQL: host and database, no hint even without clients',
    async () => {
      const schema = await createFreshSchema();
      try {
        const lines = await summaryOf({ database: { url: schema.url }, clients: [] });
        expect(lines).toHaveLength(1);
        expect(lines[0]!.database).toMatch(/^PostgreSQL 127\.0\.0\.1:5432\/test$/);
      } finally {
        await schema.drop();
      }
    },
  );

  it('never shows credentials of the database or Redis URL', () => {
    const db = describeDatabase(
      'postgres://gatehouse:s3cret-pw@db.internal:5432/gh?sslmode=require',
      './data',
    );
    expect(db).toBe('PostgreSQL db.internal:5432/gh');
    expect(describeDatabase(undefined, './data')).toBe('embedded PGlite (./data/pglite)');
    expect(describeDatabase('pglite:/var/lib/gh', './data')).toBe('embedded PGlite (/var/lib/gh)');
    expect(describeStore({ url: 'redis://:s3cret-pw@cache.internal:6379/2' })).toBe(
      'Redis cache.internal:6379',
    );
    expect(
      describeStore({
        sentinels: [
          { host: 'a', port: 26379 },
          { host: 'b', port: 26379 },
        ],
        sentinel_name: 'main',
      }),
    ).toBe('Redis Sentinel primary "main" (2 sentinels)');
  });
});
