import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testDatabaseUrl } from '../../../test-support/services.js';
import { createContext } from '../src/state/index.js';
import { randomSchema, testConfig } from './helpers.js';

describe.skipIf(missing('postgres'))('nodes starting together on an empty PostgreSQL database', () => {
  const schema = randomSchema();
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    // Migrate once so that concurrent starts only race on key creation.
    const url = new URL(testDatabaseUrl!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const first = await createContext(testConfig({ database: { url: url.toString() } }), { seed: false });
    await first.close();
  });
  afterAll(async () => {
    await admin.query(`drop schema "${schema}" cascade`);
    await admin.end();
  });

  it('agree on a single active signing key', async () => {
    const url = new URL(testDatabaseUrl!);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const cfg = testConfig({ database: { url: url.toString() }, clients: [] });
    const nodes = await Promise.all([createContext(cfg), createContext(cfg), createContext(cfg)]);
    try {
      const kids = new Set(nodes.map((n) => n.keys.active().kid));
      expect(kids.size).toBe(1);
      const rows = await admin.query(`select kid from "${schema}".signing_keys where status = 'active'`);
      expect(rows.rowCount).toBe(1);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});
