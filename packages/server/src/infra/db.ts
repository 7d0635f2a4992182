import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { ConfigError, causeChain } from '../error/index.js';
import * as schema from '../repo/schema.js';
import { lockDataFolder } from './data-folder-lock.js';

/** Both drivers expose the same query builder; the PGlite one is typed as node-postgres for simplicity. */
export type Db = NodePgDatabase<typeof schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** First half of the advisory-lock key that serialises migrations (the second is the schema). */
const MIGRATION_LOCK = 72_433_102; // int4: the two-key form takes two integers

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Longest a request waits for a PostgreSQL connection (a new one, or a free one from the pool). */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Network errors and PostgreSQL's connection-exception / shutdown / capacity codes: the database is away. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated', // pg: the server went away (unexpectedly, or due to a connection timeout)
  'timeout exceeded when trying to connect', // pg.Pool: connectionTimeoutMillis
];

/**
 * Whether `err` (as thrown by drizzle, which wraps the driver's error as `cause`) says the database cannot be
 * reached, rather than that a query is wrong: the former is answered 503 (error handler), the latter 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  return causeChain(err).some((e) => {
    const code = codeOf(e);
    if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    return UNAVAILABLE_MESSAGES.some((m) => e.message.includes(m));
  });
}

/** PostgreSQL's foreign_key_violation (23503), on either driver. */
export function isForeignKeyViolation(err: unknown): boolean {
  return causeChain(err).some((e) => codeOf(e) === '23503');
}

/** The SQLSTATE (or Node network error code) of a driver error. */
function codeOf(e: Error): string | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The data directory of the first in-memory database (`memory://`) of this process, just migrated and still
 * empty. Every later in-memory database starts from a copy of it rather than from initdb and the migrations:
 * ≈ 0.3 s instead of ≈ 1.5 s of CPU (in-memory databases are what tests, examples and benchmarks open, often
 * many per process). A copy is as empty and as migrated as a new one, so nothing can be told apart.
 */
let migratedInMemory: Promise<File | Blob> | undefined;

/** Opens PostgreSQL (postgres:// URL) or embedded PGlite (`memory://`, `pglite:<dir>`, or unset → `<dataDir>/pglite`). */
export async function openDatabase(url: string | undefined, dataDir: string): Promise<Database> {
  if (url?.startsWith('postgres://') || url?.startsWith('postgresql://')) {
    // A host that drops packets would otherwise hold each request until the kernel's TCP timeout (minutes).
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    pool.on('error', () => {});
    const db = drizzlePg(pool, { schema });
    return {
      db,
      kind: 'postgres',
      async migrate() {
        // Nodes starting together (or a rolling deploy) would run the same DDL at once and fail on
        // PostgreSQL's catalog constraints: one at a time, under a session advisory lock per schema, held on
        // a connection of its own; whoever comes second finds the migrations applied.
        const lock = await pool.connect();
        try {
          const res = await lock.query<{ s: string | null }>('select current_schema() as s');
          const migrationsSchema = res.rows[0]?.s;
          // A search_path naming no existing schema: current_schema() is null, which would take no lock
          // (hashtext(null)) and put the tables wherever the first existing schema is.
          if (!migrationsSchema) {
            throw new ConfigError(
              'database.url: its search_path names no existing schema (current_schema() is null); create the schema or fix the search_path',
            );
          }
          await lock.query('select pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK, migrationsSchema]);
          await migratePg(db, { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema });
        } finally {
          await lock
            .query('select pg_advisory_unlock($1, hashtext(current_schema()))', [MIGRATION_LOCK])
            .catch(() => undefined);
          lock.release();
        }
      },
      async ping() {
        await pool.query('select 1');
      },
      async close() {
        await pool.end();
      },
    };
  }
  let dir: string | undefined;
  if (url === undefined) dir = resolve(dataDir, 'pglite');
  else if (url.startsWith('pglite:')) dir = resolve(url.slice('pglite:'.length));
  let unlock = () => {};
  if (dir !== undefined) {
    mkdirSync(dir, { recursive: true });
    unlock = lockDataFolder(dir);
  }
  // A template that could not be made is no template: the database starts from initdb, as the first did.
  const template = dir === undefined ? await migratedInMemory?.catch(() => undefined) : undefined;
  const client = dir !== undefined ? new PGlite(dir) : new PGlite(template ? { loadDataDir: template } : {});
  try {
    await client.waitReady;
  } catch (err) {
    unlock();
    throw err;
  }
  const db = drizzlePglite(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    async migrate() {
      await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER, migrationsSchema: 'public' });
      // This fresh in-memory database's data directory, before anything else is written to it, as the next
      // one's starting point.
      if (dir === undefined && migratedInMemory === undefined) {
        migratedInMemory = client.dumpDataDir('none');
        await migratedInMemory.catch(() => undefined);
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      try {
        await client.close();
      } finally {
        unlock();
      }
    },
  };
}
