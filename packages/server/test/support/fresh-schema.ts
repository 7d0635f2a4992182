import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseUrl } from '../../../../test-support/services.js';

/** A schema name no other test file uses. */
export const randomSchema = () => `t_${randomBytes(6).toString('hex')}`;

/** A PostgreSQL schema of its own for one test file, so files never see each other's rows. */
export interface FreshSchema {
  name: string;
  /** `TEST_DATABASE_URL` with `search_path` set to the schema: what the server's `database.url` takes. */
  url: string;
  /** A connection outside the server, for assertions on the tables. */
  admin: pg.Client;
  /** Drops the schema with everything in it and closes the admin connection. */
  drop(): Promise<void>;
}

/** Creates an empty schema in the test database (call only when `missing('postgres')` is false). */
export async function createFreshSchema(): Promise<FreshSchema> {
  if (!testDatabaseUrl) throw new Error('TEST_DATABASE_URL is not set');
  const name = randomSchema();
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`create schema "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: url.toString(),
    admin,
    async drop() {
      await admin.query(`drop schema if exists "${name}" cascade`);
      await admin.end();
    },
  };
}
