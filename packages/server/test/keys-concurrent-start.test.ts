import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../../../test-support/services.js';
import { openGatehouse } from '../src/app/gatehouse.js';
import { testConfig } from './support/app.js';
import { createFreshSchema, type FreshSchema } from './support/fresh-schema.js';

describe.skipIf(missing('postgres'))('nodes starting together on an empty PostgreSQL database', () => {
  let schema: FreshSchema;

  beforeAll(async () => {
    schema = await createFreshSchema();
    // Migrate once so that concurrent starts only race on key creation.
    const first = await openGatehouse(testConfig({ database: { url: schema.url } }), { seed: false });
    await first.close();
  });
  afterAll(async () => {
    await schema.drop();
  });

  it('agree on a single active signing key', async () => {
    const cfg = testConfig({ database: { url: schema.url }, clients: [] });
    const nodes = await Promise.all([openGatehouse(cfg), openGatehouse(cfg), openGatehouse(cfg)]);
    try {
      const kids = new Set(nodes.map((n) => n.keys.active().kid));
      expect(kids.size).toBe(1);
      const rows = await schema.admin.query(
        `select kid from "${schema.name}".signing_keys where status = 'active'`,
      );
      expect(rows.rowCount).toBe(1);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});
