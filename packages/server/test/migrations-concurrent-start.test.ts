import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing, testDatabaseUrl } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { ConfigError } from '../src/config/index.js';
import { testConfig } from './support/app.js';
import { createFreshSchema, type FreshSchema, randomSchema } from './support/fresh-schema.js';

describe.skipIf(missing('postgres'))('nodes starting together on an empty PostgreSQL database', () => {
  let schema: FreshSchema;
  beforeAll(async () => {
    schema = await createFreshSchema();
  });
  afterAll(async () => schema.drop());

  it('all start: migrations run one node at a time and the others find them applied', async () => {
    const config = testConfig({ database: { url: schema.url } });
    const started = await Promise.allSettled([
      openGatehouse(config),
      openGatehouse(config),
      openGatehouse(config),
    ]);
    for (const s of started) if (s.status === 'fulfilled') await s.value.close();
    expect(started.map((s) => (s.status === 'rejected' ? String(s.reason) : 'ok'))).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
    const applied = await schema.admin.query(
      `select count(*)::int as n from "${schema.name}".__drizzle_migrations`,
    );
    // Each migration recorded once: the nodes that came second applied none of them again.
    const journal = JSON.parse(
      readFileSync(new URL('../drizzle/meta/_journal.json', import.meta.url), 'utf8'),
    );
    expect(applied.rows[0].n).toBe(journal.entries.length);
  });
});

describe.skipIf(missing('postgres'))('a database.url whose search_path names no schema', () => {
  it('stops with a ConfigError naming the search_path, before taking any lock or creating any table', async () => {
    const url = new URL(testDatabaseUrl!);
    url.searchParams.set('options', `-c search_path=${randomSchema()}`);
    const started = openGatehouse(testConfig({ database: { url: url.toString() } }));
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/search_path/);
  });
});
