import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { createContext } from '../src/state/index.js';
import { testConfig } from './helpers.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';

describe.skipIf(missing('postgres'))('nodes starting together on an empty PostgreSQL database', () => {
  let schema: FreshSchema;
  beforeAll(async () => {
    schema = await createFreshSchema();
  });
  afterAll(async () => schema.drop());

  it('all start: migrations run one node at a time and the others find them applied', async () => {
    const config = testConfig({ database: { url: schema.url } });
    const started = await Promise.allSettled([
      createContext(config),
      createContext(config),
      createContext(config),
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
    expect(applied.rows[0].n).toBeGreaterThanOrEqual(6);
  });
});
